import { readFileSync } from "node:fs";
import path from "node:path";
import { test, expect, type Locator, type Page } from "@playwright/test";
import { CONNECTION_PROBE_REGISTRATION_ID } from "@/lib/dps/connection-probe";
import { leakedForms, secretForms } from "@/lib/secrets/leak-forms";
import { AUTH_STATE } from "./support/accounts";
import { sql } from "./support/db";
import { emulatorConnection, patchEmulatorConfig, upsertEmulatorEnrollmentGroup } from "./support/emulator";
import { captureServerActionId, postServerAction } from "./support/server-action";

const PAGE = "/admin/hyperscaler-integration-center";
const WRONG_KEY = Buffer.alloc(32, 0x5a).toString("base64");
// Printable bytes, so the decoded key is searchable as text too.
const SENTINEL = Buffer.from(
  `HIC-E2E-LEAK-SENTINEL-${Date.now().toString(36)}`.padEnd(40, "x"),
  "latin1",
).toString("base64");
// The service connection string's policy key, printable for the same reason.
const SERVICE_SENTINEL = Buffer.from(
  `HIC-E2E-SERVICE-SENTINEL-${Date.now().toString(36)}`.padEnd(32, "y"),
  "latin1",
).toString("base64");

type IntegrationRow = {
  id_scope: string | null;
  host: string | null;
  primary_key_ciphertext: string | null;
  secondary_key_ciphertext: string | null;
  version: number;
  registrations_per_minute: number;
};

async function storedIntegration(): Promise<IntegrationRow | undefined> {
  const [row] = await sql<IntegrationRow>(
    "select id_scope, host, primary_key_ciphertext, secondary_key_ciphertext, version, registrations_per_minute from integrations where id = 'azure-dps'",
  );
  return row;
}

const tile = (page: Page) => page.getByRole("region", { name: "Azure DPS" });
const dialogOf = (page: Page) => page.getByRole("dialog");

async function openDialog(page: Page, button: "Connect" | "Edit"): Promise<Locator> {
  await page.goto(PAGE);
  await tile(page).getByRole("button", { name: button, exact: true }).click();
  const dialog = dialogOf(page);
  await expect(dialog).toBeVisible();
  return dialog;
}

async function fillConnection(
  dialog: Locator,
  values: { idScope?: string; key?: string; host?: string; registrationsPerMinute?: string },
) {
  if (values.idScope !== undefined) await dialog.getByLabel("ID Scope").fill(values.idScope);
  if (values.key !== undefined)
    await dialog.getByLabel("Enrollment group key", { exact: true }).fill(values.key);
  if (values.host !== undefined)
    await dialog.getByLabel("Device Provisioning Service hostname").fill(values.host);
  if (values.registrationsPerMinute !== undefined) {
    const field = dialog.getByLabel("Registrations per minute");
    if (!(await field.isVisible())) await dialog.getByRole("button", { name: /Advanced/ }).click();
    await field.fill(values.registrationsPerMinute);
  }
}

/** Leaves the integration disconnected, whatever an earlier file did. */
async function ensureDisconnected(page: Page) {
  await page.goto(PAGE);
  const disconnect = tile(page).getByRole("button", { name: "Disconnect", exact: true });
  // The tile streams in after the page: wait for it before looking for Disconnect.
  await expect(tile(page).getByRole("button", { name: /^(Connect|Edit)$/ })).toBeVisible();
  if ((await disconnect.count()) === 0) return;
  await disconnect.click();
  await dialogOf(page).getByRole("button", { name: "Disconnect", exact: true }).click();
  await expect(tile(page).getByText("Not connected")).toBeVisible();
}

test.describe("Azure DPS integration", () => {
  test.describe.configure({ mode: "serial" });
  test.use({ storageState: AUTH_STATE.admin });

  test("an administrator's wrong values are refused at each field, announced to screen readers", async ({
    page,
  }) => {
    await ensureDisconnected(page);
    // Start as a fresh install: no ID Scope or hostname kept from an earlier connection.
    await sql("delete from integrations where id = 'azure-dps'");
    await page.goto(PAGE);
    await expect(tile(page).getByText("Not connected")).toBeVisible();

    // The dialog opens and is used from the keyboard.
    await tile(page).getByRole("button", { name: "Connect", exact: true }).focus();
    await page.keyboard.press("Enter");
    const dialog = dialogOf(page);
    await expect(dialog.getByRole("heading", { name: "Connect Azure DPS" })).toBeVisible();
    await expect(dialog.getByLabel("ID Scope")).toBeFocused();
    await expect(dialog.getByLabel("Device Provisioning Service hostname")).toHaveValue(
      "global.azure-devices-provisioning.net",
    );
    await expect(dialog.getByLabel("Enrollment group key", { exact: true })).toHaveAttribute(
      "type",
      "password",
    );
    await page.keyboard.type("0ne-bad!");
    await page.keyboard.press("Tab");
    await expect(dialog.getByLabel("Enrollment group key", { exact: true })).toBeFocused();
    await page.keyboard.type("not a key");

    await fillConnection(dialog, { host: "http://dps.example.com", registrationsPerMinute: "0" });
    await dialog.getByRole("button", { name: "Save" }).click();

    const idScope = dialog.getByLabel("ID Scope");
    await expect(idScope).toHaveAttribute("aria-invalid", "true");
    await expect(idScope).toHaveAccessibleDescription(/ID Scope may contain only letters and digits\./);
    await expect(
      dialog.getByRole("alert").filter({ hasText: "ID Scope may contain only letters and digits." }),
    ).toBeVisible();
    await expect(dialog.getByLabel("Enrollment group key", { exact: true })).toHaveAccessibleDescription(
      /Enrollment group key must be standard base64/,
    );
    await expect(dialog.getByLabel("Device Provisioning Service hostname")).toHaveAccessibleDescription(
      /DPS only accepts HTTPS/,
    );
    await expect(dialog.getByLabel("Registrations per minute")).toHaveAccessibleDescription(
      /must be at least 1/,
    );

    // A too-short key, and an unusual ID Scope: the scope gets a hint but no error.
    await fillConnection(dialog, { idScope: "MyScope42", key: Buffer.alloc(8).toString("base64") });
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByText(/must decode to 16–64 bytes \(it decodes to 8\)/)).toBeVisible();
    await expect(idScope).toHaveAttribute("aria-invalid", "false");
    await expect(dialog.getByText(/does not look like the usual ID Scope/)).toBeVisible();

    // The show/hide toggle reveals what was typed.
    await dialog.getByRole("button", { name: "Show enrollment group key" }).click();
    await expect(dialog.getByLabel("Enrollment group key", { exact: true })).toHaveAttribute("type", "text");

    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    expect((await storedIntegration())?.primary_key_ciphertext ?? null).toBeNull();
  });

  test("Test connection in the dialog says whether DPS accepts the key, then Save connects", async ({
    page,
  }) => {
    const demo = emulatorConnection();
    const dialog = await openDialog(page, "Connect");

    await fillConnection(dialog, { idScope: demo.idScope, key: WRONG_KEY, host: `https://${demo.host}/` });
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await expect(dialog.getByRole("alert", { name: "Connection test result" })).toContainText(
      "DPS rejected the ID Scope or the key",
    );

    await fillConnection(dialog, { key: demo.groupKey });
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await expect(dialog.getByRole("status", { name: "Connection test result" })).toContainText(
      "DPS accepted the ID Scope and the key",
    );
    // A test of typed values changes nothing yet.
    expect((await storedIntegration())?.primary_key_ciphertext ?? null).toBeNull();

    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog).toBeHidden();
    const region = tile(page);
    await expect(region.getByText("Connected", { exact: true })).toBeVisible();
    await expect(region.getByText(demo.idScope)).toBeVisible();
    await expect(region.getByText(demo.host)).toBeVisible();
    await expect(region.getByText("by admin@example.com")).toBeVisible();
    await expect(region.getByRole("button", { name: "Edit", exact: true })).toBeVisible();

    const row = await storedIntegration();
    expect(row).toMatchObject({ id_scope: demo.idScope, host: demo.host });
    expect(row?.primary_key_ciphertext).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(JSON.stringify(row)).not.toContain(demo.groupKey);
    const tests = await sql<{ outcome: string; detail: { result: string } }>(
      "select outcome, detail from audit_log where action = 'integration.test' order by id",
    );
    expect(tests.map((t) => [t.outcome, t.detail.result])).toEqual(
      expect.arrayContaining([
        ["failure", "unauthorized::401:401002"],
        ["success", "accepted"],
      ]),
    );
  });

  test("Test connection on the tile checks the stored key and shows the result on the tile", async ({
    page,
  }) => {
    await page.goto(PAGE);
    const region = tile(page);
    const clickedAt = Math.floor(Date.now() / 1000) * 1000;
    await region.getByRole("button", { name: "Test connection" }).click();
    await expect(region.getByRole("status", { name: "Connection test result" })).toContainText(
      "DPS accepted the ID Scope and the key",
    );
    // "Last successful DPS call" is the newest success of any kind: devices other test files provision at the same
    // moment may have replaced the test's line, but never with an older time.
    const lastSuccess = region
      .locator("dt", { hasText: "Last successful DPS call" })
      .locator("xpath=following-sibling::dd");
    await expect(lastSuccess).toContainText(/Connection test: DPS accepted the primary key|Provisioned /);
    const shown = Date.parse(
      `${/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.exec((await lastSuccess.textContent()) ?? "")?.[0]}Z`,
    );
    expect(shown).toBeGreaterThanOrEqual(clickedAt);
  });

  test("Edit keeps the stored key when the key field is left empty", async ({ page }) => {
    const before = await storedIntegration();
    const dialog = await openDialog(page, "Edit");
    const key = dialog.getByLabel("Enrollment group key", { exact: true });
    await expect(key).toHaveValue("");
    await expect(key).toHaveAttribute("placeholder", "Leave empty to keep the stored key");
    await expect(dialog.getByText("A key is stored. Leave empty to keep the stored key")).toBeVisible();

    // Testing with the key field empty uses the stored key on the server.
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await expect(dialog.getByRole("status", { name: "Connection test result" })).toContainText(
      "DPS accepted the ID Scope and the key",
    );

    await fillConnection(dialog, { registrationsPerMinute: "500" });
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog).toBeHidden();
    await expect(tile(page).getByText("500", { exact: true })).toBeVisible();

    const after = await storedIntegration();
    expect(after?.primary_key_ciphertext).toBe(before?.primary_key_ciphertext);
    expect(after).toMatchObject({ registrations_per_minute: 500, version: (before?.version ?? 0) + 1 });
  });

  test("the saved keys (group and service policy) appear in no page, RSC payload, action result, server log or database column in clear", async ({
    page,
    request,
  }) => {
    await upsertEmulatorEnrollmentGroup({
      enrollmentGroupId: "hic-e2e-sentinel",
      primaryKey: SENTINEL,
      secondaryKey: SENTINEL,
    });
    await patchEmulatorConfig({
      servicePolicies: [
        { name: "hic-e2e-sentinel-policy", primaryKey: SERVICE_SENTINEL, secondaryKey: SERVICE_SENTINEL },
      ],
    });
    const serviceConnectionString = `HostName=${emulatorConnection().host};SharedAccessKeyName=hic-e2e-sentinel-policy;SharedAccessKey=${SERVICE_SENTINEL}`;
    const forms = [
      ...secretForms(SENTINEL, [CONNECTION_PROBE_REGISTRATION_ID]),
      ...secretForms(SERVICE_SENTINEL),
      serviceConnectionString,
    ];
    const actionBodies: Promise<string>[] = [];
    page.on("response", (response) => {
      if (response.request().headers()["next-action"]) actionBodies.push(response.text().catch(() => ""));
    });

    const dialog = await openDialog(page, "Edit");
    await fillConnection(dialog, { key: SENTINEL });
    await dialog.getByRole("button", { name: /Advanced/ }).click();
    await dialog.getByLabel("Service connection string (optional)").fill(serviceConnectionString);
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await expect(dialog.getByRole("status", { name: "Connection test result" })).toContainText(
      "DPS accepted the ID Scope and the key",
    );
    await expect(
      dialog.getByRole("status", { name: "Test result of the service connection string" }),
    ).toContainText("hic-e2e-sentinel");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog).toBeHidden();
    await tile(page).getByRole("button", { name: "Test connection" }).click();
    await expect(tile(page).getByRole("status", { name: "Connection test result" })).toContainText(
      "DPS accepted the ID Scope and the key",
    );
    await expect(tile(page).getByText("Policy hic-e2e-sentinel-policy on")).toBeVisible();
    const reopened = await openDialog(page, "Edit");
    await reopened.getByRole("button", { name: "Show enrollment group key" }).click();
    await expect(reopened.getByLabel("Enrollment group key", { exact: true })).toHaveValue("");
    await reopened.getByRole("button", { name: /Advanced/ }).click();
    await reopened.getByRole("button", { name: "Show service connection string" }).click();
    await expect(reopened.getByLabel("Service connection string (optional)")).toHaveValue("");
    await page.keyboard.press("Escape");

    const html = await (await request.get(PAGE)).text();
    const rsc = await request.get(`${PAGE}?_rsc=leakcheck`, { headers: { RSC: "1" } });
    expect(rsc.headers()["content-type"]).toContain("text/x-component");
    const rscText = await rsc.text();
    expect(html).toContain("Azure DPS");
    expect(rscText).toContain("primaryKeyConfigured");
    const bodies = await Promise.all(actionBodies);
    expect(bodies.length).toBeGreaterThanOrEqual(3);

    const tables = await sql<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = 'public'",
    );
    const dump: string[] = [];
    for (const { name } of tables)
      dump.push(
        ...(await sql<{ row: string }>(`select row_to_json(t)::text as row from "${name}" t`)).map(
          (r) => r.row,
        ),
      );
    const appLog = readFileSync(path.join(process.cwd(), "test-results", "app.log"), "utf8");

    expect(leakedForms(html, forms), "HTML").toEqual([]);
    expect(leakedForms(rscText, forms), "RSC payload").toEqual([]);
    expect(leakedForms(bodies.join("\n"), forms), "action results").toEqual([]);
    expect(leakedForms(appLog, forms), "server log").toEqual([]);
    expect(leakedForms(dump.join("\n"), forms), "database").toEqual([]);
  });

  test.describe("as support", () => {
    test.use({ storageState: AUTH_STATE.support });

    test("support sees the tile and its state but no Connect, Edit, Test connection or Disconnect", async ({
      page,
    }) => {
      await page.goto(PAGE);
      const region = tile(page);
      await expect(region.getByText("Connected", { exact: true })).toBeVisible();
      await expect(region.getByText(emulatorConnection().idScope)).toBeVisible();
      await expect(region.getByText("Last successful DPS call")).toBeVisible();
      for (const name of ["Connect", "Edit", "Test connection", "Disconnect"]) {
        await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
      }
    });
  });

  test("a hand-made server-action POST from a support user is refused and changes nothing", async ({
    page,
    browser,
  }) => {
    const dialog = await openDialog(page, "Edit");
    const saveId = await captureServerActionId(page, () =>
      dialog.getByRole("button", { name: "Save" }).click(),
    );
    await expect(dialog).toBeHidden();
    const testId = await captureServerActionId(page, () =>
      tile(page).getByRole("button", { name: "Test connection" }).click(),
    );
    await expect(tile(page).getByRole("status", { name: "Connection test result" })).toBeVisible();
    const before = await storedIntegration();
    const countTests = async () =>
      (
        await sql<{ count: string }>(
          "select count(*) from audit_log where action = 'integration.test' and outcome <> 'denied'",
        )
      )[0]?.count;
    const testsBefore = await countTests();

    const support = await browser.newContext({ storageState: AUTH_STATE.support });
    const forged = {
      mode: "edit",
      version: before?.version,
      idScope: "0neF0RGED00",
      primaryKey: WRONG_KEY,
      host: "evil.example.com",
      registrationsPerMinute: 1,
    };
    expect(await postServerAction(support.request, PAGE, saveId, [forged])).toContain(
      "You do not have permission to do this.",
    );
    expect(await postServerAction(support.request, PAGE, testId, [{ mode: "stored" }])).toContain(
      "You do not have permission to do this.",
    );
    await support.close();

    expect(await storedIntegration()).toEqual(before);
    expect(await countTests()).toBe(testsBefore);
    const denied = await sql<{ action: string; actor_email: string }>(
      "select action, actor_email from audit_log where outcome = 'denied' and action like 'integration.%' order by id desc limit 2",
    );
    // Denials are recorded under the intent, as successes are: the forged save was an edit.
    expect(denied.map((d) => d.action).sort()).toEqual(["integration.test", "integration.update"]);
    expect(denied.every((d) => d.actor_email === "support@example.com")).toBe(true);
  });

  test("Disconnect says what happens, deletes the stored keys and keeps ID Scope and hostname", async ({
    page,
  }) => {
    const demo = emulatorConnection();
    await page.goto(PAGE);
    await tile(page).getByRole("button", { name: "Disconnect", exact: true }).click();
    const dialog = dialogOf(page);
    await expect(dialog.getByRole("heading", { name: "Disconnect Azure DPS?" })).toBeVisible();
    await expect(dialog).toContainText("Provisioning stops.");
    await expect(dialog).toContainText("Every device and its last known IoT hub remain in this app.");
    await expect(dialog).toContainText("Nothing is removed in Azure.");
    await dialog.getByRole("button", { name: "Disconnect", exact: true }).click();
    await expect(dialog).toBeHidden();

    await expect(tile(page).getByText("Not connected")).toBeVisible();
    await expect(tile(page).getByText("Not stored")).toBeVisible();
    const row = await storedIntegration();
    expect(row).toMatchObject({
      primary_key_ciphertext: null,
      secondary_key_ciphertext: null,
      id_scope: demo.idScope,
      host: demo.host,
    });
    const [audit] = await sql<{ outcome: string }>(
      "select outcome from audit_log where action = 'integration.disconnect' order by id desc limit 1",
    );
    expect(audit?.outcome).toBe("success");

    const reconnect = await openDialog(page, "Connect");
    await expect(reconnect.getByLabel("ID Scope")).toHaveValue(demo.idScope);
    await expect(reconnect.getByLabel("Enrollment group key", { exact: true })).toHaveValue("");
  });
});

test.describe("screenshots for the docs", () => {
  test.skip(process.env.HIC_SCREENSHOTS !== "1", "set HIC_SCREENSHOTS=1 to refresh docs/screenshots");
  test.use({ storageState: AUTH_STATE.admin, viewport: { width: 1280, height: 900 } });
  const shots = path.join(process.cwd(), "docs", "screenshots");

  test("connect dialog, its errors, the connected tile, the edit dialog and a tile that needs attention", async ({
    page,
  }) => {
    await ensureDisconnected(page);
    await sql("delete from integrations where id = 'azure-dps'");
    const dialog = await openDialog(page, "Connect");
    await page.mouse.move(0, 0);
    await dialog.screenshot({ path: path.join(shots, "connect-dialog-empty.png"), animations: "disabled" });

    await fillConnection(dialog, {
      idScope: "0ne-00A1B2",
      key: "paste-the-key-here",
      host: "https://global.azure-devices-provisioning.net/path",
    });
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByText(/must be standard base64/)).toBeVisible();
    await dialog.screenshot({ path: path.join(shots, "connect-dialog-errors.png"), animations: "disabled" });
    await page.keyboard.press("Escape");

    const demo = emulatorConnection();
    const again = await openDialog(page, "Connect");
    await fillConnection(again, {
      idScope: demo.idScope,
      key: demo.groupKey,
      host: demo.host,
      registrationsPerMinute: "1000",
    });
    await again.getByLabel("Secondary key", { exact: true }).fill(demo.groupKey);
    await again.getByRole("button", { name: "Save" }).click();
    await expect(again).toBeHidden();
    await tile(page).getByRole("button", { name: "Test connection" }).click();
    await expect(tile(page).getByRole("status", { name: "Connection test result" })).toBeVisible();
    await page.reload();
    await page.screenshot({
      path: path.join(shots, "dps-tile-connected.png"),
      fullPage: true,
      animations: "disabled",
    });

    await page.setViewportSize({ width: 1280, height: 1200 });
    const advanced = await openDialog(page, "Edit");
    await advanced.getByRole("button", { name: /Advanced/ }).click();
    await page.mouse.move(0, 0);
    await advanced.screenshot({ path: path.join(shots, "edit-dialog-advanced.png"), animations: "disabled" });
    await page.keyboard.press("Escape");
    await page.setViewportSize({ width: 1280, height: 900 });

    // The keys are regenerated in Azure: the tile explains the refusal.
    const edit = await openDialog(page, "Edit");
    await fillConnection(edit, { key: WRONG_KEY });
    await edit.getByRole("button", { name: /Advanced/ }).click();
    await edit.getByLabel("Remove the stored secondary key").check();
    await edit.getByRole("button", { name: "Save" }).click();
    await expect(edit).toBeHidden();
    await tile(page).getByRole("button", { name: "Test connection" }).click();
    await expect(tile(page).getByText("Needs attention")).toBeVisible();
    await page.reload();
    await page.screenshot({
      path: path.join(shots, "dps-tile-needs-attention.png"),
      fullPage: true,
      animations: "disabled",
    });
    await ensureDisconnected(page);
  });
});
