import { test, expect } from "@playwright/test";
import { AUTH_STATE } from "./support/accounts";
import { sql } from "./support/db";
import { connectDpsThroughUi, disconnectDpsThroughUi } from "./support/dps";
import { disableIdentity } from "./support/iot-hub";

const run = Date.now().toString(36);
const PREFIX = `e2e-hub-${run}`;
const COUNT = 4;
/** The device whose identity the operator flow disables (chosen by its hub). */
let refusedId = "";

test.describe("hub check: every device proven on its IoT hub", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ browser }) => {
    // Connect with the values `npm start` printed (connection.json holds the same).
    const context = await browser.newContext({ storageState: AUTH_STATE.admin });
    await connectDpsThroughUi(await context.newPage());
    await context.close();
  });

  test.afterAll(async ({ browser }) => {
    const context = await browser.newContext({ storageState: AUTH_STATE.admin });
    await disconnectDpsThroughUi(await context.newPage());
    await context.close();
  });

  test.describe("as an operator", () => {
    test.use({ storageState: AUTH_STATE.operator });

    test("imported devices show Connected next to their hub", async ({ page }) => {
      await page.goto("/devices");
      await page.getByRole("button", { name: "Import CSV" }).click();
      const dialog = page.getByRole("dialog", { name: "Import devices from CSV" });
      const csv = [
        "registrationId,name",
        ...Array.from({ length: COUNT }, (_, i) => `${PREFIX}-${i},Meter ${i}`),
      ];
      await dialog
        .getByLabel("CSV file")
        .setInputFiles({ name: "hub.csv", mimeType: "text/csv", buffer: Buffer.from(csv.join("\n")) });
      await dialog.getByRole("button", { name: "Import" }).click();
      await expect(dialog.getByRole("status")).toContainText(`${COUNT} added`);
      await page.keyboard.press("Escape");

      // The filter by hub status, through the URL as a support person would share it.
      await expect
        .poll(
          async () => {
            await page.goto(`/devices?q=${PREFIX}&hubStatus=connected`);
            return page
              .getByRole("table", { name: "Devices" })
              .getByRole("row", { name: new RegExp(PREFIX) })
              .count();
          },
          { timeout: 30_000, intervals: [500, 1_000] },
        )
        .toBe(COUNT);
      const row = page.getByRole("row", { name: new RegExp(`${PREFIX}-0`) });
      await expect(row.getByText("Assigned", { exact: true })).toBeVisible();
      await expect(row.getByText("Connected", { exact: true })).toBeVisible();
      await expect(page.getByRole("list", { name: "Devices by hub status" })).toBeVisible();

      await row.getByRole("link", { name: `${PREFIX}-0` }).click();
      await expect(page.getByText(/^to hic-demo-hub-\d\.azure-devices\.net at /)).toBeVisible();
      const history = page.getByRole("list", { name: "Provisioning history" });
      await expect(history.getByText(/Hub check: connected/)).toBeVisible();
    });

    test("a disabled identity shows Refused with the cause and the next step after Check hub connection", async ({
      page,
    }) => {
      // A disabled identity answers CONNECT with 3, as an unavailable hub does: the check calls it
      // the device's refusal only while the same hub takes another device (docs/hub-check.md). So
      // the flow disables a device that shares its hub with another (4 devices on 2 hubs: one does).
      const connected = await sql<{
        id: string;
        registration_id: string;
        assigned_hub: string;
        dps_device_id: string;
      }>(
        "select id, registration_id, assigned_hub, dps_device_id from devices where registration_id like $1 and hub_status = 'connected' order by registration_id",
        [`${PREFIX}-%`],
      );
      const device = connected.find(
        (candidate) =>
          candidate.registration_id !== `${PREFIX}-0` &&
          connected.some(
            (other) => other.id !== candidate.id && other.assigned_hub === candidate.assigned_hub,
          ),
      );
      expect(device, "a device sharing its hub with another").toBeDefined();
      refusedId = device!.registration_id;
      await disableIdentity(device!.assigned_hub, device!.dps_device_id);
      await page.goto(`/devices/${device!.id}`);
      await page.getByRole("button", { name: "Check hub connection" }).click();
      const alert = page.getByRole("alert").filter({ hasText: "refused the device" });
      await expect(alert).toBeVisible({ timeout: 15_000 });
      await expect(alert).toContainText("identity is disabled");
      await expect(alert).toContainText("Next step: Re-provision, or check the identity in the hub");
      await expect(page.getByText("Refused", { exact: true }).first()).toBeVisible();
      await expect(
        page.getByRole("list", { name: "Provisioning history" }).getByText(/Hub check \(asked\): refused/),
      ).toBeVisible();
    });
  });

  test.describe("as support", () => {
    test.use({ storageState: AUTH_STATE.support });

    test("sees every hub status, and no button to run a check", async ({ page }) => {
      await page.goto(`/devices?q=${PREFIX}`);
      const table = page.getByRole("table", { name: "Devices" });
      await expect(
        table.getByRole("row", { name: new RegExp(`${PREFIX}-0`) }).getByText("Connected"),
      ).toBeVisible();
      await expect(
        table.getByRole("row", { name: new RegExp(`${refusedId}(?!\\d)`) }).getByText("Refused"),
      ).toBeVisible();
      const [device] = await sql<{ id: string }>("select id from devices where registration_id = $1", [
        refusedId,
      ]);
      await page.goto(`/devices/${device!.id}`);
      await expect(page.getByRole("alert").filter({ hasText: "refused the device" })).toBeVisible();
      await expect(page.getByRole("button", { name: "Check hub connection" })).toHaveCount(0);
    });
  });
});
