import path from "node:path";
import { test, expect, type Locator, type Page } from "@playwright/test";
import { AUTH_STATE } from "./support/accounts";
import { PHONE } from "./support/axe";
import { ensureFailedDevice, ensureProvisionedDevice } from "./support/devices";

const run = Date.now().toString(36);
const deviceId = `phone-${run}`;
let device = { id: 0, hub: "" };

/** Nothing on the page is wider than the phone: no sideways scrolling. */
async function expectNoSidewaysScroll(page: Page) {
  const widths = await page.evaluate(() => ({
    document: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    viewport: window.innerWidth,
  }));
  expect(widths.document, "document scrollWidth").toBeLessThanOrEqual(widths.viewport);
  expect(widths.body, "body scrollWidth").toBeLessThanOrEqual(widths.viewport);
}

/** The element is shown whole within the phone's width. */
async function expectWithinViewportWidth(locator: Locator) {
  await expect(locator).toBeVisible();
  const box = await locator.boundingBox();
  expect(box, "bounding box").not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
}

test.describe("on a phone (390 px)", () => {
  test.use({ storageState: AUTH_STATE.support, viewport: PHONE, hasTouch: true, isMobile: true });

  test.beforeAll(async ({ browser }) => {
    device = await ensureProvisionedDevice(browser, deviceId, "Cold-store door sensor");
  });

  test("support staff find a device's IoT hub without scrolling sideways, using the menu, the folded filters and the cards", async ({
    page,
  }) => {
    await page.goto("/devices");
    await expect(page.getByRole("heading", { level: 1, name: "Devices" })).toBeVisible();
    await expectNoSidewaysScroll(page);
    // No sidebar: a menu button instead; the account lives in the menu.
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
    await expect(page.getByRole("button", { name: "Sign out" })).toBeHidden();

    // The filters are folded away until asked for.
    const search = page.getByRole("searchbox", { name: "Search" });
    await expect(search).toBeHidden();
    const filters = page.getByRole("button", { name: /^Filters/ });
    await expect(filters).toHaveAttribute("aria-expanded", "false");
    await filters.tap();
    await expect(filters).toHaveAttribute("aria-expanded", "true");
    await search.fill(deviceId);
    await search.press("Enter");
    await expect(page).toHaveURL(new RegExp(`q=${deviceId}`));
    await expect(page.getByRole("button", { name: "Filters (1 on)" })).toBeVisible();

    // The devices are cards: Registration ID, Status and the Assigned IoT hub, whole, on screen.
    await expect(page.getByRole("table", { name: "Devices" })).toBeHidden();
    const card = page
      .getByRole("list", { name: "Devices", exact: true })
      .getByRole("listitem")
      .filter({ hasText: deviceId });
    await expect(card.getByRole("link", { name: deviceId })).toBeVisible();
    await expect(card.getByText("Assigned", { exact: true })).toBeVisible();
    await expectWithinViewportWidth(card.getByText(device.hub, { exact: true }));
    await expectNoSidewaysScroll(page);

    // The device page shows the hub on screen too.
    await card.getByRole("link", { name: deviceId }).tap();
    await expect(page.getByRole("heading", { level: 1, name: deviceId })).toBeVisible();
    await expectWithinViewportWidth(
      // The first is the Assigned IoT hub; the hub status names the hub it checked too.
      page
        .getByRole("definition")
        .filter({ hasText: device.hub })
        .getByText(device.hub, { exact: true })
        .first(),
    );
    await expectNoSidewaysScroll(page);

    // The menu: a sheet with the sections support may use, and client-side navigation (no reload).
    await page.evaluate(() => ((window as unknown as { hicNoReload: boolean }).hicNoReload = true));
    await page.getByRole("button", { name: "Menu" }).tap();
    const sheet = page.getByRole("dialog", { name: "Hyperscaler Integration Center" });
    const nav = sheet.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Devices" })).toHaveAttribute("aria-current", "page");
    await expect(nav.getByRole("link", { name: "Audit log" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
    await expect(sheet.getByText("support@example.com")).toBeVisible();
    await expect(sheet.getByRole("button", { name: "Sign out" })).toBeVisible();
    await nav.getByRole("link", { name: "Hyperscaler Integration Center" }).tap();
    await expect(page).toHaveURL(/\/admin\/hyperscaler-integration-center$/);
    await expect(sheet).toBeHidden();
    expect(await page.evaluate(() => (window as unknown as { hicNoReload?: boolean }).hicNoReload)).toBe(
      true,
    );

    // The tile reads at this width.
    const tile = page.getByRole("region", { name: "Azure DPS" });
    await expectWithinViewportWidth(tile.getByRole("heading", { name: "Azure DPS" }));
    await expectWithinViewportWidth(tile.getByText("Connected", { exact: true }));
    await expectWithinViewportWidth(tile.getByText("Hostname"));
    await expectNoSidewaysScroll(page);

    // The audit log's wide table scrolls inside its own region, which the keyboard can reach.
    await page.goto("/admin/audit-log");
    await expectNoSidewaysScroll(page);
    await expect(page.getByRole("region", { name: /Audit log \(scrolls sideways\)/ })).toHaveAttribute(
      "tabindex",
      "0",
    );
  });

  test.describe("screenshots for the docs", () => {
    test.skip(process.env.HIC_SCREENSHOTS !== "1", "set HIC_SCREENSHOTS=1 to refresh docs/screenshots");
    const shots = path.join(process.cwd(), "docs", "screenshots");
    const shot = (page: Page, name: string, fullPage = false) =>
      page.screenshot({ path: path.join(shots, name), fullPage, animations: "disabled" });

    test("the phone layout: devices as cards, the menu, a device, the tile", async ({ page }) => {
      await ensureFailedDevice(`phone-${run}-refused`);
      await page.goto("/devices?q=phone-");
      await expect(page.getByRole("list", { name: "Devices", exact: true })).toBeVisible();
      await page.waitForTimeout(500); // let the chart lay out
      await shot(page, "phone-devices.png", true);

      await page.getByRole("button", { name: "Menu" }).tap();
      await expect(page.getByRole("dialog", { name: "Hyperscaler Integration Center" })).toBeVisible();
      await shot(page, "phone-menu.png");
      await page.keyboard.press("Escape");

      await page.goto(`/devices/${device.id}`);
      await expect(page.getByRole("heading", { level: 1, name: deviceId })).toBeVisible();
      await shot(page, "phone-device.png", true);

      await page.goto("/admin/hyperscaler-integration-center");
      await expect(page.getByRole("region", { name: "Azure DPS" })).toBeVisible();
      await shot(page, "phone-tile.png", true);
    });
  });
});
