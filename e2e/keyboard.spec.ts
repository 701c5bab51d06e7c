import { test, expect, type Locator, type Page } from "@playwright/test";
import { AUTH_STATE } from "./support/accounts";
import { sql } from "./support/db";
import { emulatorConnection } from "./support/emulator";
import { focusedName, tabTo } from "./support/keyboard";

// Everything here is done with the keyboard: no click, no tap, no fill. The one concession is the
// operating system's file picker, which a browser test cannot drive: Space on the file input opens
// it, and the test hands it the file.
const run = Date.now().toString(36);
const INTEGRATION = "/admin/hyperscaler-integration-center";
const HUB = /hic-demo-hub-\d\.azure-devices\.net/;

const toasts = (page: Page) => page.getByRole("region", { name: /Notifications/ });

/** Toasts are read out: they appear in sonner's polite live region. */
async function expectAnnounced(page: Page, text: string | RegExp) {
  await expect(toasts(page)).toHaveAttribute("aria-live", "polite");
  await expect(toasts(page).getByText(text).first()).toBeVisible();
}

/** Tab and Shift+Tab keep focus inside an open modal dialog, however often they are pressed. */
async function expectFocusTrapped(page: Page, dialog: Locator) {
  for (const key of ["Tab", "Shift+Tab"]) {
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press(key);
      const inside = await dialog.evaluate((el) => el.contains(document.activeElement));
      expect(inside, `after ${i + 1} × ${key} focus is on ${await focusedName(page)}`).toBe(true);
    }
  }
}

/** Selects the whole field and types over it, as a keyboard user replaces a prefilled value. */
async function retype(page: Page, text: string) {
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(text);
}

test.describe("keyboard only", () => {
  // The first flow takes about half the default minute here (27–29 s, locally and in CI).
  test.describe.configure({ mode: "serial", timeout: 120_000 });
  test.use({ storageState: AUTH_STATE.admin });

  test("an administrator connects DPS, adds a device, imports a CSV, re-provisions and removes a device without a mouse", async ({
    page,
  }) => {
    const demo = emulatorConnection();
    await page.goto(INTEGRATION);
    const tile = page.getByRole("region", { name: "Azure DPS" });

    // Start disconnected, by keyboard too.
    const disconnect = tile.getByRole("button", { name: "Disconnect", exact: true });
    // The tile streams in after the page: wait for it before looking for Disconnect.
    await expect(tile.getByRole("button", { name: /^(Connect|Edit)$/ })).toBeVisible();
    if (await disconnect.count()) {
      await tabTo(page, disconnect);
      await page.keyboard.press("Enter");
      const confirm = page.getByRole("dialog", { name: "Disconnect Azure DPS?" });
      await tabTo(page, confirm.getByRole("button", { name: "Disconnect", exact: true }));
      await page.keyboard.press("Enter");
      await expect(tile.getByText("Not connected")).toBeVisible();
    }

    // The skip link is the first stop and takes focus past the navigation into the page's content.
    await page.goto(INTEGRATION);
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to main content" })).toBeFocused();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    expect(
      await page.getByRole("main").evaluate((main) => main.contains(document.activeElement)),
      `focus is on ${await focusedName(page)}`,
    ).toBe(true);

    // Connect DPS.
    const connect = tile.getByRole("button", { name: "Connect", exact: true });
    await tabTo(page, connect);
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Connect Azure DPS" });
    await expect(dialog.getByLabel("ID Scope")).toBeFocused();
    await expectFocusTrapped(page, dialog);
    await tabTo(page, dialog.getByLabel("ID Scope"));
    await retype(page, demo.idScope);
    await page.keyboard.press("Tab");
    await expect(dialog.getByLabel("Enrollment group key", { exact: true })).toBeFocused();
    await page.keyboard.type(demo.groupKey);
    await tabTo(page, dialog.getByLabel("Device Provisioning Service hostname"));
    await retype(page, demo.host);
    await tabTo(page, dialog.getByRole("button", { name: "Test connection" }));
    await page.keyboard.press("Enter");
    await expect(dialog.getByRole("status", { name: "Connection test result" })).toContainText(
      "DPS accepted the ID Scope and the key",
    );
    await tabTo(page, dialog.getByRole("button", { name: "Save" }));
    await page.keyboard.press("Enter");
    await expect(dialog).toBeHidden();
    await expectAnnounced(page, "Azure DPS is connected.");
    // Focus comes back to the tile's button (now Edit), not to the top of the page.
    await expect(tile.getByRole("button", { name: "Edit", exact: true })).toBeFocused();

    // Escape closes a dialog and returns focus to the button that opened it.
    await page.keyboard.press("Enter");
    await expect(page.getByRole("dialog", { name: "Edit Azure DPS connection" })).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await expect(tile.getByRole("button", { name: "Edit", exact: true })).toBeFocused();

    // Add a device.
    const id = `kb-${run}`;
    await page.goto("/devices");
    const add = page.getByRole("button", { name: "Add device" });
    await tabTo(page, add);
    await page.keyboard.press("Enter");
    const addDialog = page.getByRole("dialog", { name: "Add device" });
    await expect(addDialog.getByLabel("Registration ID")).toBeFocused();
    await page.keyboard.type(id);
    await page.keyboard.press("Tab");
    await page.keyboard.type("Keyboard-only sensor");
    await tabTo(page, addDialog.getByRole("button", { name: "Add device" }));
    await page.keyboard.press("Enter");
    await expect(addDialog).toBeHidden();
    await expectAnnounced(page, new RegExp(`${id} is on hic-demo-hub-`));
    await expect(add).toBeFocused();

    // Import a CSV.
    const importButton = page.getByRole("button", { name: "Import CSV" });
    await tabTo(page, importButton);
    await page.keyboard.press("Enter");
    const importDialog = page.getByRole("dialog", { name: "Import devices from CSV" });
    await tabTo(page, importDialog.getByLabel("CSV file"));
    const chooser = page.waitForEvent("filechooser");
    await page.keyboard.press("Space");
    const csv = ["registrationId,name,payload", `kb-csv-${run}-1,First,`, `kb-csv-${run}-2,Second,`].join(
      "\n",
    );
    await (await chooser).setFiles({ name: "fleet.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await tabTo(page, importDialog.getByRole("button", { name: "Import" }));
    await page.keyboard.press("Enter");
    await expect(importDialog.getByRole("status")).toContainText("2 lines: 2 added");
    await page.keyboard.press("Escape");
    await expect(importDialog).toBeHidden();
    await expect(importButton).toBeFocused();

    // Find the device with the search box, open it and re-provision it.
    await tabTo(page, page.getByRole("searchbox", { name: "Search" }));
    await page.keyboard.type(id);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(new RegExp(`q=${id}`));
    await tabTo(page, page.getByRole("table", { name: "Devices" }).getByRole("link", { name: id }));
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1, name: id })).toBeVisible();
    await tabTo(page, page.getByRole("button", { name: "Re-provision", exact: true }));
    await page.keyboard.press("Enter");
    await expectAnnounced(page, HUB);
    await expect(
      page
        .getByRole("list", { name: "Provisioning history" })
        .getByRole("listitem")
        .filter({ hasNotText: /Hub check/ }),
    ).toHaveCount(2);

    // Remove it: the confirmation opens on the chosen way to remove, Escape backs out, Enter on Remove device confirms.
    const remove = page.getByRole("button", { name: "Remove", exact: true });
    await tabTo(page, remove);
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("dialog", { name: `Remove ${id}?` });
    await expect(confirm.getByLabel("Remove from the platform only")).toBeFocused();
    await expectFocusTrapped(page, confirm);
    await page.keyboard.press("Escape");
    await expect(confirm).toBeHidden();
    await expect(remove).toBeFocused();
    await page.keyboard.press("Enter");
    await tabTo(page, confirm.getByRole("button", { name: "Remove device" }));
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/devices$/);
    await expectAnnounced(page, `${id} was removed from the platform;`);
    expect(await sql("select 1 from devices where registration_id = $1", [id])).toHaveLength(0);
  });

  test("an administrator adds a user, changes the role and disables the account without a mouse", async ({
    page,
  }) => {
    const email = `kb-user-${run}@example.com`;
    await page.goto("/admin/users");
    const add = page.getByRole("button", { name: "Add user" });
    await tabTo(page, add);
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Add user" });
    await expect(dialog.getByLabel("Email")).toBeFocused();
    await page.keyboard.type(email);
    await tabTo(page, dialog.getByLabel("Password"));
    await page.keyboard.type("keyboard-password-1");
    await page.keyboard.press("Tab");
    await expect(dialog.getByLabel("Role")).toBeFocused();
    await page.keyboard.type("Support"); // type-to-select in a closed native select
    await expect(dialog.getByLabel("Role")).toHaveValue("support");
    await tabTo(page, dialog.getByRole("button", { name: "Create user" }));
    await page.keyboard.press("Enter");
    await expect(dialog).toBeHidden();
    await expectAnnounced(page, `Created ${email}.`);
    await expect(add).toBeFocused();

    const role = page.getByRole("combobox", { name: `Role of ${email}` });
    await tabTo(page, role);
    await page.keyboard.press("o"); // type-to-select: the first role starting with O
    await expectAnnounced(page, `${email} is now operator.`);
    await expect
      .poll(
        async () =>
          (await sql<{ role: string }>("select role from users where email = $1", [email]))[0]?.role,
      )
      .toBe("operator");

    const disable = page.getByRole("button", { name: `Disable ${email}` });
    await tabTo(page, disable);
    await page.keyboard.press("Enter");
    await expectAnnounced(page, `${email} is disabled and signed out.`);
    await expect(page.getByRole("row", { name: new RegExp(email) }).getByText("Disabled")).toBeVisible();
  });
});
