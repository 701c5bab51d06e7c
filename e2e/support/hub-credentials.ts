import { expect, type Page } from "@playwright/test";
import { INTEGRATION_PAGE, toasts } from "./registrations";

/**
 * Saves a hub's connection string the way an administrator does: Integration tab → Azure DPS →
 * IoT hubs → Save (or Replace) connection string; the app probes the policy's rights on saving.
 */
export async function saveHubCredentialThroughUi(
  page: Page,
  hub: string,
  connectionString: string,
): Promise<void> {
  const host = hub.toLowerCase();
  await page.goto(INTEGRATION_PAGE);
  const item = page
    .getByRole("region", { name: "Azure DPS" })
    .getByRole("list", { name: "IoT hubs" })
    .getByRole("listitem", { name: host });
  await item
    .getByRole("button", {
      name: new RegExp(`^(Save|Replace) connection string for ${host.replace(/\./g, "\\.")}$`),
    })
    .click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Hub connection string", { exact: true }).fill(connectionString);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(toasts(page)).toContainText("Saved the connection string");
  await expect(item).toContainText("Registry write: allowed");
}
