import path from "node:path";
import { test, expect, type Page } from "@playwright/test";
import { AUTH_STATE } from "./support/accounts";
import { sql } from "./support/db";
import { ensureProvisionedDevice } from "./support/devices";
import { connectAsDevice, hubConnectionStrings } from "./support/iot-hub";
import { INTEGRATION_PAGE, toasts } from "./support/registrations";

const run = Date.now().toString(36);
const DEVICE = `e2e-hub-identity-${run}`;
let device: { id: number; hub: string };

const hubsOf = (page: Page) =>
  page.getByRole("region", { name: "Azure DPS" }).getByRole("list", { name: "IoT hubs" });

test.describe("hub connection strings and the identity in the hub", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ browser }) => {
    device = await ensureProvisionedDevice(browser, DEVICE);
    await sql("delete from hub_credentials where hub_host = $1", [device.hub.toLowerCase()]);
  });

  test.afterAll(async () => {
    await sql("delete from hub_credentials where hub_host = $1", [device.hub.toLowerCase()]);
  });

  test.describe("as an administrator", () => {
    test.use({ storageState: AUTH_STATE.admin });

    test("the device page says how to see the identity before a string is saved", async ({ page }) => {
      await page.goto(`/devices/${device.id}`);
      const card = page.getByRole("region", { name: "Identity in the hub" });
      await expect(card).toContainText("saves the hub's connection string");
    });

    test("saves a registryRead string for the device's hub, sees its rights, and never sees it again", async ({
      page,
    }) => {
      const strings = hubConnectionStrings(device.hub);
      await page.goto(INTEGRATION_PAGE);
      const item = hubsOf(page).getByRole("listitem", { name: device.hub.toLowerCase() });
      await expect(item).toContainText("No connection string saved.");
      await item
        .getByRole("button", { name: `Save connection string for ${device.hub.toLowerCase()}` })
        .click();
      const dialog = page.getByRole("dialog");
      await expect(dialog).toContainText("registryRead to look");

      // A device connection string is refused at the field.
      await dialog
        .getByLabel("Hub connection string", { exact: true })
        .fill(
          `HostName=${device.hub};DeviceId=${DEVICE};SharedAccessKey=${Buffer.alloc(32, 1).toString("base64")}`,
        );
      await dialog.getByRole("button", { name: "Save" }).click();
      await expect(dialog.getByText(/This is a device connection string/)).toBeVisible();

      await dialog
        .getByLabel("Hub connection string", { exact: true })
        .fill(strings.registryReadConnectionString);
      await dialog.getByRole("button", { name: "Save" }).click();
      await expect(dialog).toBeHidden();
      await expect(toasts(page)).toContainText("Saved the connection string");
      const rights = item.getByRole("list", { name: /Rights of the registryRead policy/ });
      await expect(rights).toContainText("Registry read: allowed");
      await expect(rights).toContainText("Registry write: not allowed");

      const key = strings.registryReadConnectionString.split("SharedAccessKey=")[1]!;
      expect(await page.content()).not.toContain(key);
      await item
        .getByRole("button", { name: `Replace connection string for ${device.hub.toLowerCase()}` })
        .click();
      await expect(page.getByRole("dialog").getByLabel("Hub connection string", { exact: true })).toHaveValue(
        "",
      );
      await page.keyboard.press("Escape");
    });

    test("the device page shows the identity in the hub, with the connection state's caveat", async ({
      page,
    }) => {
      await page.goto(`/devices/${device.id}`);
      const card = page.getByRole("region", { name: "Identity in the hub" });
      await expect(card).toContainText("Enabled");
      await expect(card).toContainText("Symmetric key (SAS)");
      await expect(card).toContainText("approximate and delayed");
      await expect(card).toContainText(device.hub);
    });
  });

  test.describe("as support", () => {
    test.use({ storageState: AUTH_STATE.support });

    test("sees which hub has a string and its rights, with no button to save, replace or remove", async ({
      page,
    }) => {
      await page.goto(INTEGRATION_PAGE);
      const item = hubsOf(page).getByRole("listitem", { name: device.hub.toLowerCase() });
      await expect(item).toContainText("Policy registryRead");
      await expect(item.getByRole("list", { name: /Rights of the registryRead policy/ })).toContainText(
        "Registry read: allowed",
      );
      await expect(hubsOf(page).getByRole("button")).toHaveCount(0);

      await page.goto(`/devices/${device.id}`);
      await expect(page.getByRole("region", { name: "Identity in the hub" })).toContainText(
        "Symmetric key (SAS)",
      );
    });
  });

  test.describe("screenshots for the docs", () => {
    test.skip(process.env.HIC_SCREENSHOTS !== "1", "set HIC_SCREENSHOTS=1 to refresh docs/screenshots");
    test.use({ storageState: AUTH_STATE.admin, viewport: { width: 1280, height: 900 } });
    const shots = path.join(process.cwd(), "docs", "screenshots");

    test("the identity in the hub of a connected device, and the IoT hubs on the Integration tab", async ({
      page,
    }) => {
      const client = await connectAsDevice(device.hub, DEVICE);
      try {
        await page.goto(`/devices/${device.id}`);
        const card = page.getByRole("region", { name: "Identity in the hub" });
        await expect(card).toContainText("Connected (since");
        await page.mouse.move(0, 0);
        await card.screenshot({ path: path.join(shots, "hub-identity-card.png"), animations: "disabled" });
      } finally {
        client.end(true);
      }

      await page.goto(INTEGRATION_PAGE);
      const section = page.getByRole("region", { name: "IoT hubs" });
      await expect(section.getByRole("list", { name: /Rights of the registryRead policy/ })).toBeVisible();
      await section.scrollIntoViewIfNeeded();
      await page.mouse.move(0, 0);
      await section.screenshot({ path: path.join(shots, "hub-credentials.png"), animations: "disabled" });
    });
  });

  test.describe("as an administrator, again", () => {
    test.use({ storageState: AUTH_STATE.admin });

    test("removes the string; the device page then says how to get the identity again", async ({ page }) => {
      await page.goto(INTEGRATION_PAGE);
      const item = hubsOf(page).getByRole("listitem", { name: device.hub.toLowerCase() });
      await item
        .getByRole("button", { name: `Remove connection string for ${device.hub.toLowerCase()}` })
        .click();
      await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
      await expect(item).toContainText("No connection string saved.");
      await page.goto(`/devices/${device.id}`);
      await expect(page.getByRole("region", { name: "Identity in the hub" })).toContainText(
        "saves the hub's connection string",
      );
    });
  });
});
