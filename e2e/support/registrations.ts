import { expect, type Browser, type Page } from "@playwright/test";
import { AUTH_STATE } from "./accounts";
import { sql } from "./db";
import { connectDpsThroughUi } from "./dps";
import { addEmulatorRegistrations, emulatorConnection } from "./emulator";

export const INTEGRATION_PAGE = "/admin/hyperscaler-integration-center";
export const RECORDS_PAGE = `${INTEGRATION_PAGE}/registration-records`;

const tile = (page: Page) => page.getByRole("region", { name: "Azure DPS" });
/** Toasts appear in sonner's polite live region. */
export const toasts = (page: Page) => page.getByRole("region", { name: /Notifications/ });

/**
 * Saves a service connection string through the Edit dialog (Advanced), after a live Test connection,
 * as an administrator, with the demo's enrollment group key (whatever key an earlier flow left saved).
 */
export async function saveServiceConnectionString(page: Page, connectionString: string): Promise<void> {
  await connectDpsThroughUi(page);
  await page.goto(INTEGRATION_PAGE);
  await tile(page).getByRole("button", { name: "Edit", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Edit Azure DPS connection" });
  const demo = emulatorConnection();
  await dialog.getByLabel("ID Scope").fill(demo.idScope);
  await dialog.getByLabel("Enrollment group key", { exact: true }).fill(demo.groupKey);
  await dialog.getByLabel("Device Provisioning Service hostname").fill(demo.host);
  await dialog.getByRole("button", { name: /Advanced/ }).click();
  const removeSecondary = dialog.getByLabel("Remove the stored secondary key");
  if (await removeSecondary.count()) await removeSecondary.check();
  await dialog.getByLabel("Service connection string (optional)").fill(connectionString);
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(
    dialog.getByRole("status", { name: "Test result of the service connection string" }),
  ).toContainText("DPS accepted the service connection string");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
}

/** Starts a reconciliation with the view's button and waits until the new run's counts show. */
export async function reconcileThroughUi(page: Page): Promise<void> {
  await page.goto(RECORDS_PAGE);
  const [before] = await sql<{ id: number | null }>(
    "select max(id)::int as id from registration_reconciliations where status = 'completed'",
  );
  await page.getByRole("button", { name: "Reconcile now" }).click();
  await expect(toasts(page)).toContainText(/Reconciliation started|already under way/);
  await expect
    .poll(
      async () =>
        (
          await sql<{ id: number | null }>(
            "select max(id)::int as id from registration_reconciliations where status = 'completed'",
          )
        )[0]!.id ?? 0,
      { timeout: 30_000 },
    )
    .toBeGreaterThan(before?.id ?? 0);
  await page.reload();
  await expect(page.getByRole("list", { name: "What the last reconciliation found" })).toBeVisible();
}

/** DPS connected with the demo's service connection string, and a completed reconciliation that found `orphanId` in DPS only. */
export async function ensureReconciledWithOrphan(
  browser: Browser,
  orphanId: string,
  hub?: string,
): Promise<void> {
  const context = await browser.newContext({ storageState: AUTH_STATE.admin });
  try {
    const page = await context.newPage();
    await saveServiceConnectionString(page, emulatorConnection().serviceConnectionString);
    await addEmulatorRegistrations([{ registrationId: orphanId, ...(hub ? { assignedHub: hub } : {}) }]);
    await reconcileThroughUi(page);
  } finally {
    await context.close();
  }
}
