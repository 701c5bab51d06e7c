import { test, expect, type Page } from "@playwright/test";
import { AUTH_STATE, SIGNED_OUT } from "./support/accounts";
import { DESKTOP, PHONE, axeViolations, expectNoAxeViolations } from "./support/axe";
import { ensureFailedDevice, ensureProvisionedDevice } from "./support/devices";
import { emulatorConnection } from "./support/emulator";
import {
  ensureReconciledWithOrphan,
  RECORDS_PAGE,
  saveServiceConnectionString,
} from "./support/registrations";
import { sql } from "./support/db";

const run = Date.now().toString(36);
const INTEGRATION = "/admin/hyperscaler-integration-center";
const ROLES = ["admin", "operator", "support"] as const;
let assignedId = 0;
let failedId = 0;

/** Lets layout, ResizeObserver callbacks and the React updates they cause settle. */
async function settle(page: Page) {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 50))),
      ),
  );
}

/**
 * Scans the page as it is at desktop width and at 390 px (a phone), and leaves it at desktop width.
 * At both widths the page must also reflow (WCAG 1.4.10): nothing wider than the window, so wide
 * tables scroll inside their own region instead of the page scrolling sideways.
 */
async function scanAtBothWidths(page: Page, what: string) {
  for (const [label, size] of [
    ["desktop", DESKTOP],
    ["390 px", PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await settle(page);
    await expectNoAxeViolations(page, `${what} at ${label}`);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect.soft(scrollWidth, `page width of ${what} at ${label}`).toBeLessThanOrEqual(size.width);
  }
  await page.setViewportSize(DESKTOP);
  await settle(page);
}

async function open(page: Page, path: string) {
  await page.goto(path);
  // Client components (e.g. the scroll regions) set their attributes once hydrated.
  await page.waitForLoadState("networkidle");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
}

test.describe("accessibility (axe-core)", () => {
  test.describe.configure({ mode: "serial" });
  test.use({ viewport: DESKTOP });

  test.beforeAll(async ({ browser }) => {
    assignedId = (await ensureProvisionedDevice(browser, `a11y-${run}`, "Lobby thermostat")).id;
    failedId = await ensureFailedDevice(`a11y-failed-${run}`);
    // The Registration records view with findings to show (an orphan among them) for every role.
    await ensureReconciledWithOrphan(browser, `a11y-orphan-${run}`, "hic-demo-hub-1.azure-devices.net");
  });

  test.describe("signed out", () => {
    test.use(SIGNED_OUT);

    test("the scanner itself finds violations planted in a page, and finds them again after a resize", async ({
      page,
    }) => {
      await open(page, "/sign-in");
      expect(await axeViolations(page)).toEqual([]);
      await page.evaluate(() => {
        const image = document.createElement("img");
        image.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
        const button = document.createElement("button");
        document.querySelector("main")!.append(image, button);
      });
      const planted = (found: string[]) => found.map((line) => line.split(" ")[1]).sort();
      expect(planted(await axeViolations(page))).toEqual(["button-name", "image-alt"]);
      await page.setViewportSize(PHONE);
      expect(planted(await axeViolations(page))).toEqual(["button-name", "image-alt"]);
    });

    test("sign-in page and its error, and the not-found page", async ({ page }) => {
      await open(page, "/sign-in");
      await scanAtBothWidths(page, "/sign-in");
      await page.getByLabel("Email").fill("nobody@example.com");
      await page.getByLabel("Password").fill("not-the-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible();
      await scanAtBothWidths(page, "/sign-in with a refused password");

      await page.goto("/no-such-page");
      await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
      await scanAtBothWidths(page, "404 page");
    });
  });

  for (const role of ROLES) {
    test.describe(`as ${role}`, () => {
      test.use({ storageState: AUTH_STATE[role] });

      test(`every page, at desktop and 390 px, has no violation (${role})`, async ({ page }) => {
        // A dozen pages, each scanned twice and reflowed: longer than one page's default minute.
        test.setTimeout(180_000);
        const pages = [
          "/devices",
          `/devices/${assignedId}`,
          `/devices/${failedId}`,
          INTEGRATION,
          RECORDS_PAGE,
          `${RECORDS_PAGE}?finding=orphan`,
          "/admin/hyperscaler-integration-center/hub-drift",
          "/admin/users",
          "/admin/audit-log",
          "/account",
          "/devices/999999999999",
          "/no-such-page",
        ];
        for (const path of pages) {
          await open(page, path);
          await scanAtBothWidths(page, `${path} as ${role}`);
        }
        // The refused pages are part of the tour: the 403 page is scanned for roles that get it.
        if (role !== "admin") {
          const response = await page.goto("/admin/users");
          expect(response?.status()).toBe(403);
        }
      });

      test(`the phone menu, open, has no violation (${role})`, async ({ page }) => {
        await page.setViewportSize(PHONE);
        await open(page, "/devices");
        await page.getByRole("button", { name: "Menu" }).click();
        const sheet = page.getByRole("dialog", { name: "Hyperscaler Integration Center" });
        await expect(sheet.getByRole("navigation", { name: "Main" })).toBeVisible();
        await settle(page);
        await expectNoAxeViolations(page, `the menu sheet as ${role}`);
        await page.keyboard.press("Escape");
        await expect(sheet).toBeHidden();
        await page.getByRole("button", { name: /^Filters/ }).click();
        await expect(page.getByRole("search", { name: "Filter devices" })).toBeVisible();
        await expectNoAxeViolations(page, `/devices with the filters unfolded at 390 px as ${role}`);
      });
    });
  }

  test.describe("dialogs, as the administrator", () => {
    test.use({ storageState: AUTH_STATE.admin });
    // Each walks through half a dozen screens and scans each at two widths. One of them once ran
    // past the default minute in CI (37 s here then, 17 s since the scans got cheaper): three each.
    test.describe.configure({ timeout: 180_000 });

    test("the integration tile in each state, the connect dialog with its errors, the test result and the disconnect confirmation", async ({
      page,
    }) => {
      await open(page, INTEGRATION);
      const tile = page.getByRole("region", { name: "Azure DPS" });
      const disconnect = tile.getByRole("button", { name: "Disconnect", exact: true });
      // The tile streams in after the page: wait for it before looking for Disconnect.
      await expect(tile.getByRole("button", { name: /^(Connect|Edit)$/ })).toBeVisible();
      if (await disconnect.count()) {
        await disconnect.click();
        await page
          .getByRole("dialog", { name: "Disconnect Azure DPS?" })
          .getByRole("button", { name: "Disconnect", exact: true })
          .click();
      }
      await expect(tile.getByText("Not connected")).toBeVisible();
      await scanAtBothWidths(page, "the tile, not connected");

      await tile.getByRole("button", { name: "Connect", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Connect Azure DPS" });
      await dialog.getByLabel("ID Scope").fill("0ne-bad!");
      await dialog.getByLabel("Enrollment group key", { exact: true }).fill("not a key");
      await dialog.getByRole("button", { name: /Advanced/ }).click();
      await dialog.getByRole("button", { name: "Save" }).click();
      await expect(dialog.getByText("ID Scope may contain only letters and digits.")).toBeVisible();
      await scanAtBothWidths(page, "the connect dialog with errors at the fields");

      const demo = emulatorConnection();
      await dialog.getByLabel("ID Scope").fill(demo.idScope);
      await dialog
        .getByLabel("Enrollment group key", { exact: true })
        .fill(Buffer.alloc(32, 0x5a).toString("base64"));
      await dialog.getByLabel("Device Provisioning Service hostname").fill(demo.host);
      await dialog.getByRole("button", { name: "Test connection" }).click();
      await expect(dialog.getByRole("alert", { name: "Connection test result" })).toContainText(
        "DPS rejected",
      );
      await scanAtBothWidths(page, "the connect dialog with a refused connection test");

      await dialog.getByLabel("Enrollment group key", { exact: true }).fill(demo.groupKey);
      await dialog.getByRole("button", { name: "Save" }).click();
      await expect(dialog).toBeHidden();
      await tile.getByRole("button", { name: "Test connection" }).click();
      await expect(tile.getByRole("status", { name: "Connection test result" })).toContainText(
        "DPS accepted",
      );
      await scanAtBothWidths(page, "the connected tile with a connection test result");

      await tile.getByRole("button", { name: "Disconnect", exact: true }).click();
      await expect(page.getByRole("dialog", { name: "Disconnect Azure DPS?" })).toBeVisible();
      await scanAtBothWidths(page, "the disconnect confirmation");
      await page.keyboard.press("Escape");
    });

    test("the devices dialogs: add device with an error, import CSV and its report, re-provision all, remove", async ({
      page,
    }) => {
      await open(page, "/devices");
      await page.getByRole("button", { name: "Add device" }).click();
      const add = page.getByRole("dialog", { name: "Add device" });
      await add.getByLabel("Registration ID").fill("bad id!");
      await add.getByRole("button", { name: "Add device" }).click();
      await expect(add.getByText(/may contain only letters, digits/)).toBeVisible();
      await scanAtBothWidths(page, "the add-device dialog with an error");
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: "Import CSV" }).click();
      const importDialog = page.getByRole("dialog", { name: "Import devices from CSV" });
      await scanAtBothWidths(page, "the import dialog");
      const csv = [
        "registrationId,name,payload",
        `a11y-csv-${run}-1,First,`,
        `a11y-csv-${run}-1,Again,`,
        "not valid!,,",
      ].join("\n");
      await importDialog
        .getByLabel("CSV file")
        .setInputFiles({ name: "fleet.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await importDialog.getByRole("button", { name: "Import" }).click();
      await expect(importDialog.getByRole("status")).toContainText("3 lines: 1 added");
      await scanAtBothWidths(page, "the import dialog's report");
      await page.keyboard.press("Escape");

      await open(page, "/devices");
      await page.getByRole("button", { name: "Re-provision all" }).click();
      await expect(page.getByRole("dialog", { name: "Re-provision all devices?" })).toBeVisible();
      await scanAtBothWidths(page, "the re-provision-all confirmation");
      await page.keyboard.press("Escape");

      await open(page, `/devices/${assignedId}`);
      await page.getByRole("button", { name: "Remove" }).click();
      await expect(page.getByRole("dialog", { name: `Remove a11y-${run}?` })).toBeVisible();
      await scanAtBothWidths(page, "the remove confirmation");
      await page.keyboard.press("Escape");
    });

    test("the service API's screens: the connect dialog's service fields and test result, the tile's enrollment group, deleting an orphan, removing with the DPS record", async ({
      page,
    }) => {
      await saveServiceConnectionString(page, emulatorConnection().serviceConnectionString);
      const tile = page.getByRole("region", { name: "Azure DPS" });
      await expect(tile.getByRole("region", { name: "Enrollment group" })).toBeVisible();
      await scanAtBothWidths(page, "the tile with the enrollment group at a glance");

      await tile.getByRole("button", { name: "Edit", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Edit Azure DPS connection" });
      await dialog.getByRole("button", { name: /Advanced/ }).click();
      await dialog
        .getByLabel("Service connection string (optional)")
        .fill(emulatorConnection().readOnlyServiceConnectionString);
      await dialog.getByRole("button", { name: "Test connection" }).click();
      await expect(
        dialog.getByRole("status", { name: "Test result of the service connection string" }),
      ).toContainText("Registration status write: not allowed");
      await scanAtBothWidths(page, "the edit dialog with the service connection string tested");
      await dialog
        .getByLabel("Service connection string (optional)")
        .fill("HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=abc=");
      await dialog.getByRole("button", { name: "Save" }).click();
      await expect(dialog.getByText(/IoT hub's connection string/)).toBeVisible();
      await scanAtBothWidths(page, "the edit dialog with a service connection string refused at its field");
      await page.keyboard.press("Escape");

      await open(page, `${RECORDS_PAGE}?finding=orphan`);
      await page.getByRole("button", { name: `Delete record of a11y-orphan-${run}` }).click();
      await expect(
        page.getByRole("dialog", { name: `Delete the registration record of a11y-orphan-${run}?` }),
      ).toBeVisible();
      await scanAtBothWidths(page, "the delete-orphan confirmation");
      await page.keyboard.press("Escape");
      await page.setViewportSize(PHONE);
      await page.getByRole("button", { name: /^Filters/ }).click();
      await expect(page.getByRole("search", { name: "Filter registration records" })).toBeVisible();
      await expectNoAxeViolations(page, "the registration records filters unfolded at 390 px");
      await page.setViewportSize(DESKTOP);

      await open(page, `/devices/${assignedId}`);
      await page.getByRole("button", { name: "Remove", exact: true }).click();
      const remove = page.getByRole("dialog", { name: `Remove a11y-${run}?` });
      await remove.getByLabel("Also delete the DPS registration record and the hub identity").check();
      await expect(remove).toContainText("Hub identity");
      await scanAtBothWidths(page, "the remove confirmation with its choices and preview");
      await page.keyboard.press("Escape");

      await open(page, `/devices?q=a11y-${run}`);
      await page
        .getByRole("table", { name: "Devices" })
        .getByLabel(`Select a11y-${run}`, { exact: true })
        .check();
      await page.getByRole("button", { name: "Remove selected" }).click();
      const removeSelected = page.getByRole("dialog", { name: "Remove 1 device?" });
      await removeSelected.getByLabel("Block: disable the hub identity and keep the DPS record").check();
      await expect(removeSelected).toContainText("On hubs whose saved credentials may write");
      await scanAtBothWidths(page, "the remove-selected confirmation with its choices and counts");
      await page.keyboard.press("Escape");
    });

    test("the add-user dialog with errors", async ({ page }) => {
      await open(page, "/admin/users");
      await page.getByRole("button", { name: "Add user" }).click();
      const dialog = page.getByRole("dialog", { name: "Add user" });
      await dialog.getByRole("button", { name: "Create user" }).click();
      await expect(dialog.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
      await scanAtBothWidths(page, "the add-user dialog with errors");
      await page.keyboard.press("Escape");
    });
  });

  test.afterAll(async () => {
    await sql("delete from devices where registration_id like $1", [`a11y-%${run}%`]);
  });
});
