import path from "node:path";
import { test, expect, type Page } from "@playwright/test";
import { AUTH_STATE } from "./support/accounts";
import { sql } from "./support/db";
import { ensureProvisionedDevice } from "./support/devices";
import {
  emulatorAdmin,
  emulatorConnection,
  emulatorRegistration,
  patchEmulatorConfig,
} from "./support/emulator";
import { hubIdentity, localIotHub } from "./support/iot-hub";
import { INTEGRATION_PAGE, saveServiceConnectionString, toasts } from "./support/registrations";
import { saveHubCredentialsThroughUi } from "./support/hub-credentials";

/**
 * The hub side of removing and moving a device, against the local IoT Hub: with hub credentials
 * (registryReadWrite) saved for both demo hubs, "delete record and hub identity" leaves nothing in
 * DPS or the hub, "block" leaves the identity disabled (and the next hub check Refused), and a move
 * with "clean the old hub" on leaves no identity in the old hub.
 */

const run = Date.now().toString(36);
const tile = (page: Page) => page.getByRole("region", { name: "Azure DPS" });

async function setMoveCleanup(page: Page, on: boolean): Promise<void> {
  await page.goto(INTEGRATION_PAGE);
  await tile(page).getByRole("button", { name: "Edit", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Edit Azure DPS connection" });
  const demo = emulatorConnection();
  await dialog.getByLabel("Enrollment group key", { exact: true }).fill(demo.groupKey);
  await dialog.getByRole("button", { name: /Advanced/ }).click();
  await dialog.getByLabel("Delete a moved device's identity from its old hub").setChecked(on);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(tile(page)).toContainText(
    on ? "The identity is deleted from the old hub" : "The identity stays in the old hub",
  );
}

async function removeThroughDialog(page: Page, id: number, registrationId: string, choice: RegExp | string) {
  await page.goto(`/devices/${id}`);
  await page.getByRole("button", { name: "Remove", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Remove ${registrationId}?` });
  await dialog.getByLabel(choice).check();
  return dialog;
}

test.describe("the hub side of removing and moving a device", () => {
  // Each flow provisions devices and waits on workers: a loaded machine needs the time.
  test.describe.configure({ mode: "serial", timeout: 180_000 });

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(300_000);
    const context = await browser.newContext({ storageState: AUTH_STATE.admin });
    const page = await context.newPage();
    await saveServiceConnectionString(page, emulatorConnection().serviceConnectionString);
    // The tile lists the hubs the group links or devices sit on: a device on each demo hub first.
    const onHubs = new Set<string>();
    for (let i = 0; onHubs.size < localIotHub().hubs.length; i++) {
      expect(i).toBeLessThan(12);
      onHubs.add((await ensureProvisionedDevice(browser, `e2e-life-seed-${run}-${i}`)).hub);
    }
    for (const hub of localIotHub().hubs)
      await saveHubCredentialsThroughUi(page, hub.hostName, hub.registryReadWriteConnectionString);
    await context.close();
  });

  test.afterAll(async ({ browser }) => {
    const context = await browser.newContext({ storageState: AUTH_STATE.admin });
    await setMoveCleanup(await context.newPage(), false);
    await context.close();
    await sql("delete from hub_credentials where hub_host = any($1::text[])", [
      localIotHub().hubs.map((hub) => hub.hostName.toLowerCase()),
    ]);
    await emulatorAdmin("PATCH", "config", {
      enrollmentGroups: [{ enrollmentGroupId: FLEET, allocationPolicy: "hashed", iotHubs: [] }],
    });
  });

  test.describe("as an operator", () => {
    test.use({ storageState: AUTH_STATE.operator });

    test('"delete record and hub identity" leaves neither in DPS nor in the hub', async ({
      page,
      browser,
    }) => {
      const registrationId = `e2e-life-clean-${run}`;
      const { id, hub } = await ensureProvisionedDevice(browser, registrationId);
      expect((await hubIdentity(hub, registrationId)).status).toBe(200);
      const dialog = await removeThroughDialog(
        page,
        id,
        registrationId,
        "Also delete the DPS registration record and the hub identity",
      );
      await expect(dialog).toContainText(`deleted in the IoT hub ${hub}`);
      await expect(dialog.getByLabel("Remove anyway, leaving what cannot be cleaned")).toHaveCount(0);
      await dialog.getByRole("button", { name: "Remove device" }).click();
      await expect(page).toHaveURL(/\/devices$/);
      await expect(toasts(page)).toContainText(
        `${registrationId} was removed from the platform; its registration record was deleted from Azure DPS. Its identity was deleted from the IoT hub ${hub}.`,
      );
      expect(await emulatorRegistration(registrationId)).toBeNull();
      expect((await hubIdentity(hub, registrationId)).status).toBe(404);
      const [audit] = await sql<{ detail: Record<string, unknown> }>(
        "select detail from audit_log where action = 'device.remove' and target = $1",
        [registrationId],
      );
      expect(audit?.detail).toMatchObject({ choice: "clean", dpsRecord: "deleted", hubIdentity: "deleted" });
    });

    test('"block" leaves the identity disabled, and the next hub check is Refused', async ({
      page,
      browser,
    }) => {
      // A disabled identity answers CONNECT with 3 like a busy hub; the check calls it the device's
      // refusal while the same hub takes another device (docs/hub-check.md): a neighbour on the same hub.
      const registrationId = `e2e-life-block-${run}`;
      const { id, hub } = await ensureProvisionedDevice(browser, registrationId);
      let neighbourId = 0;
      for (let i = 0; ; i++) {
        const neighbour = await ensureProvisionedDevice(browser, `e2e-life-neighbour-${run}-${i}`);
        neighbourId = neighbour.id;
        if (neighbour.hub === hub) break;
        expect(i).toBeLessThan(8);
      }
      const dialog = await removeThroughDialog(
        page,
        id,
        registrationId,
        "Block: disable the hub identity and keep the DPS record",
      );
      await expect(dialog).toContainText(`disabled in the IoT hub ${hub}`);
      await dialog.getByRole("button", { name: "Remove device" }).click();
      await expect(page).toHaveURL(/\/devices$/);
      await expect(toasts(page)).toContainText("it can neither connect nor come back by itself");
      const identity = await hubIdentity(hub, registrationId);
      expect(identity.body).toMatchObject({
        status: "disabled",
        statusReason: expect.stringMatching(/^Blocked by \S+@\S+ at \d{4}-/),
      });
      expect(await emulatorRegistration(registrationId)).not.toBeNull();

      // The device comes back (added again): DPS assigns it, but the hub refuses it.
      await page.goto("/devices");
      await page.getByRole("button", { name: "Add device" }).click();
      const add = page.getByRole("dialog", { name: "Add device" });
      await add.getByLabel("Registration ID").fill(registrationId);
      await add.getByRole("button", { name: "Add device" }).click();
      await expect(add).toBeHidden();
      const [again] = await sql<{ id: string }>("select id from devices where registration_id = $1", [
        registrationId,
      ]);
      // The automatic check met CONNACK 3 and counts it against the hub; the neighbour connecting
      // again shows the hub serving, so the next check calls the 3 this device's (docs/hub-check.md).
      await page.goto(`/devices/${neighbourId}`);
      await page.getByRole("button", { name: "Check hub connection" }).click();
      await expect(toasts(page)).toContainText(/connected/i, { timeout: 30_000 });
      await page.goto(`/devices/${again!.id}`);
      await page.getByRole("button", { name: "Check hub connection" }).click();
      await expect(
        page.getByRole("status", { name: "Hub status" }).or(page.getByRole("alert", { name: "Hub status" })),
      ).toContainText("refused the device", { timeout: 30_000 });
    });
  });

  test.describe("screenshots for the docs", () => {
    test.skip(process.env.HIC_SCREENSHOTS !== "1", "set HIC_SCREENSHOTS=1 to refresh docs/screenshots");
    test.use({ storageState: AUTH_STATE.operator, viewport: { width: 1280, height: 900 } });

    test("the remove dialog with its three choices, the record and the identity to be deleted", async ({
      page,
      browser,
    }) => {
      const registrationId = `e2e-life-shot-${run}`;
      const { id, hub } = await ensureProvisionedDevice(browser, registrationId);
      const dialog = await removeThroughDialog(
        page,
        id,
        registrationId,
        "Also delete the DPS registration record and the hub identity",
      );
      await expect(dialog).toContainText(`deleted in the IoT hub ${hub}`);
      await expect(dialog).toContainText("What stays where");
      await page.mouse.move(0, 0);
      await dialog.screenshot({
        path: path.join(process.cwd(), "docs", "screenshots", "remove-with-dps-record.png"),
        animations: "disabled",
      });
      await dialog.getByRole("button", { name: "Remove device" }).click();
      await expect(page).toHaveURL(/\/devices$/);
    });
  });

  test.describe("as an administrator", () => {
    test.use({ storageState: AUTH_STATE.admin });

    test("a move with the old hub's cleanup on leaves no identity in the old hub", async ({
      page,
      browser,
    }) => {
      await setMoveCleanup(page, true);
      const registrationId = `e2e-life-move-${run}`;
      const { id, hub: oldHub } = await ensureProvisionedDevice(browser, registrationId);
      const newHub = localIotHub()
        .hubs.map((h) => h.hostName)
        .find((h) => h !== oldHub)!;
      // DPS now assigns every device of the group to the other hub.
      await patchEmulatorConfig({
        enrollmentGroups: [{ enrollmentGroupId: FLEET, allocationPolicy: "static", iotHubs: [newHub] }],
      });
      await page.goto(`/devices/${id}`);
      await page.getByRole("button", { name: "Re-provision" }).click();
      const history = page.getByRole("list", { name: "Provisioning history" });
      await expect(async () => {
        await page.reload();
        await expect(history).toContainText("Old hub after the move: old identity deleted", {
          timeout: 1_000,
        });
      }).toPass({ timeout: 30_000 });
      await expect(history).toContainText(`Hub changed: ${oldHub} → ${newHub}`);
      expect((await hubIdentity(oldHub, registrationId)).status).toBe(404);
      expect((await hubIdentity(newHub, registrationId)).status).toBe(200);
    });
  });
});

const FLEET = "hic-demo-fleet";
