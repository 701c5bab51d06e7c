import { expect, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import path from "node:path";

/** The demo connection the launcher's local DPS emulator wrote for this run. */
export function emulatorConnection(): { idScope: string; groupKey: string; host: string } {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) throw new Error("E2E_DATA_DIR is not set; run the end-to-end tests through `npm test`.");
  return JSON.parse(readFileSync(path.join(dir, "dps-emulator", "connection.json"), "utf8"));
}

const TILE_PAGE = "/admin/hyperscaler-integration-center";

/** Connects Azure DPS to the local emulator through the dialog, unless it already is. */
export async function connectDpsThroughUi(page: Page): Promise<void> {
  await page.goto(TILE_PAGE);
  const connect = page.getByRole("button", { name: "Connect" });
  if ((await connect.count()) === 0) return;
  const { idScope, groupKey, host } = emulatorConnection();
  await connect.click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("ID Scope").fill(idScope);
  await dialog.getByLabel("Enrollment group key", { exact: true }).fill(groupKey);
  await dialog.getByLabel("Device Provisioning Service hostname").fill(host);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: "Edit" })).toBeVisible();
}

export async function disconnectDpsThroughUi(page: Page): Promise<void> {
  await page.goto(TILE_PAGE);
  const disconnect = page.getByRole("button", { name: "Disconnect" });
  if ((await disconnect.count()) === 0) return;
  await disconnect.click();
  await page.getByRole("alertdialog").or(page.getByRole("dialog")).getByRole("button", { name: /Disconnect/ }).click();
  await expect(page.getByRole("button", { name: "Connect" })).toBeVisible();
}
