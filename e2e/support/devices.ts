import { expect, type Browser } from "@playwright/test";
import { AUTH_STATE } from "./accounts";
import { sql } from "./db";
import { connectDpsThroughUi } from "./dps";

/**
 * Connects DPS (as the administrator, through the dialog) and adds a device through the Add device
 * dialog, unless it exists; resolves once DPS has put it on a hub. Returns its id and hub.
 */
export async function ensureProvisionedDevice(
  browser: Browser,
  registrationId: string,
  name?: string,
): Promise<{ id: number; hub: string }> {
  const context = await browser.newContext({ storageState: AUTH_STATE.admin });
  try {
    const page = await context.newPage();
    await connectDpsThroughUi(page);
    if ((await sql("select 1 from devices where registration_id = $1", [registrationId])).length === 0) {
      await page.goto("/devices");
      await page.getByRole("button", { name: "Add device" }).click();
      const dialog = page.getByRole("dialog", { name: "Add device" });
      await dialog.getByLabel("Registration ID").fill(registrationId);
      if (name) await dialog.getByLabel("Name (optional)").fill(name);
      await dialog.getByRole("button", { name: "Add device" }).click();
      await expect(dialog).toBeHidden();
    }
  } finally {
    await context.close();
  }
  let row: { id: string; assigned_hub: string | null } | undefined;
  await expect
    .poll(
      async () => {
        [row] = await sql<{ id: string; assigned_hub: string | null }>(
          "select id, assigned_hub from devices where registration_id = $1",
          [registrationId],
        );
        return row?.assigned_hub ?? null;
      },
      { timeout: 30_000 },
    )
    .not.toBeNull();
  return { id: Number(row!.id), hub: row!.assigned_hub! };
}

/** A device DPS refused (as if its key were wrong), written straight to the database, so pages show an error explanation. */
export async function ensureFailedDevice(registrationId: string): Promise<number> {
  await sql(
    `insert into devices (registration_id, status, last_error_kind, last_error_code, last_error_message, attempt_count)
     values ($1, 'failed', 'unauthorized', '401002', 'Unauthorized', 1)
     on conflict do nothing`,
    [registrationId],
  );
  const [row] = await sql<{ id: string }>("select id from devices where lower(registration_id) = lower($1)", [
    registrationId,
  ]);
  return Number(row!.id);
}
