import { expect, type Page } from "@playwright/test";
import { INTEGRATION_PAGE, toasts } from "./registrations";

/**
 * Saves (or replaces) a hub's connection string on the Integration tab, as an administrator does:
 * the hub's entry under Azure DPS → IoT hubs, its dialog, Save.
 */
export async function saveHubCredentialsThroughUi(
  page: Page,
  hub: string,
  connectionString: string,
): Promise<void> {
  const name = hub.toLowerCase();
  await page.goto(INTEGRATION_PAGE);
  const item = page
    .getByRole("region", { name: "Azure DPS" })
    .getByRole("list", { name: "IoT hubs" })
    .getByRole("listitem", { name });
  await item
    .getByRole("button", {
      name: new RegExp(`^(Save|Replace) connection string for ${name.replace(/\./g, "\\.")}$`),
    })
    .click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Hub connection string", { exact: true }).fill(connectionString);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(toasts(page)).toContainText(/(Saved|Replaced) the connection string/);
}
