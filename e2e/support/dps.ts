import { expect, type Page } from "@playwright/test";
import { emulatorConnection } from "./emulator";

const TILE_PAGE = "/admin/hyperscaler-integration-center";

/** Connects Azure DPS to the local emulator through the dialog, unless it already is. */
export async function connectDpsThroughUi(page: Page): Promise<void> {
  await page.goto(TILE_PAGE);
  const connect = page.getByRole("button", { name: "Connect", exact: true });
  if ((await connect.count()) === 0) return;
  const { idScope, groupKey, host } = emulatorConnection();
  await connect.click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("ID Scope").fill(idScope);
  await dialog.getByLabel("Enrollment group key", { exact: true }).fill(groupKey);
  await dialog.getByLabel("Device Provisioning Service hostname").fill(host);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: "Edit", exact: true })).toBeVisible();
}

export async function disconnectDpsThroughUi(page: Page): Promise<void> {
  await page.goto(TILE_PAGE);
  const disconnect = page.getByRole("button", { name: "Disconnect", exact: true });
  if ((await disconnect.count()) === 0) return;
  await disconnect.click();
  await page
    .getByRole("alertdialog")
    .or(page.getByRole("dialog"))
    .getByRole("button", { name: /Disconnect/ })
    .click();
  await expect(page.getByRole("button", { name: "Connect", exact: true })).toBeVisible();
}
