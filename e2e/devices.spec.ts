import { test, expect, type Page } from "@playwright/test";
import { AUTH_STATE } from "./support/accounts";
import { sql } from "./support/db";
import { captureServerActionId, postServerAction } from "./support/server-action";
import { connectDpsThroughUi, disconnectDpsThroughUi } from "./support/dps";
import { patchEmulatorConfig } from "./support/emulator";
import path from "node:path";

const run = Date.now().toString(36);
const HUB = /hic-demo-hub-\d\.azure-devices\.net/;

async function addDevice(page: Page, registrationId: string, name?: string) {
  await page.goto("/devices");
  await page.getByRole("button", { name: "Add device" }).click();
  const dialog = page.getByRole("dialog", { name: "Add device" });
  await dialog.getByLabel("Registration ID").fill(registrationId);
  if (name) await dialog.getByLabel("Name (optional)").fill(name);
  await dialog.getByRole("button", { name: "Add device" }).click();
  await expect(dialog).toBeHidden();
}

test.describe("devices and provisioning", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ browser }) => {
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

    test("adding a device shows the IoT hub DPS assigned it", async ({ page }) => {
      const id = `e2e-add-${run}`;
      await addDevice(page, id, "Boiler sensor");
      await expect(page.getByText(new RegExp(`${id} is on hic-demo-hub-`))).toBeVisible();
      const row = page.getByRole("row", { name: new RegExp(id) });
      await expect(row.getByText("Assigned", { exact: true })).toBeVisible();
      await expect(row.getByRole("cell", { name: HUB })).toBeVisible();
      const [stored] = await sql<{ status: string; assigned_hub: string }>(
        "select status, assigned_hub from devices where registration_id = $1",
        [id],
      );
      expect(stored?.status).toBe("assigned");
      expect(stored?.assigned_hub).toMatch(HUB);
    });

    test("a bad registration ID is refused at the field", async ({ page }) => {
      await page.goto("/devices");
      await page.getByRole("button", { name: "Add device" }).click();
      const dialog = page.getByRole("dialog", { name: "Add device" });
      await dialog.getByLabel("Registration ID").fill("bad id!");
      await dialog.getByRole("button", { name: "Add device" }).click();
      await expect(dialog.getByText(/may contain only letters, digits/)).toBeVisible();
      await expect(dialog.getByLabel("Registration ID")).toHaveAttribute("aria-invalid", "true");
    });

    test("importing a CSV reports added, duplicate and refused lines, and the report downloads", async ({
      page,
    }) => {
      await page.goto("/devices");
      await page.getByRole("button", { name: "Import CSV" }).click();
      const dialog = page.getByRole("dialog", { name: "Import devices from CSV" });
      const csv = [
        "registrationId,name,payload",
        `e2e-csv-${run}-1,First,`,
        `e2e-csv-${run}-2,Second,`,
        `e2e-csv-${run}-1,Again,`,
        "not valid!,,",
        `e2e-csv-${run}-3,,{oops`,
      ].join("\n");
      await dialog
        .getByLabel("CSV file")
        .setInputFiles({ name: "fleet.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await dialog.getByRole("button", { name: "Import" }).click();
      await expect(dialog.getByRole("status")).toContainText(
        "5 lines: 2 added, 1 skipped as duplicates, 2 refused",
      );
      const problems = dialog.getByRole("table", { name: "Lines not imported" });
      await expect(problems.getByRole("row", { name: /^4 .*Skipped \(duplicate\)/ })).toBeVisible();
      await expect(problems.getByRole("row", { name: /^5 .*Refused.*letters, digits/ })).toBeVisible();
      await expect(problems.getByRole("row", { name: /^6 .*Refused.*valid JSON/ })).toBeVisible();

      const href = await dialog.getByRole("link", { name: "Download the full report" }).getAttribute("href");
      const report = await page.request.get(href!);
      expect(report.headers()["content-type"]).toContain("text/csv");
      expect((await report.text()).trim().split("\n")).toHaveLength(6);
      // Queued provisioning finishes in the background.
      await expect
        .poll(
          async () =>
            (
              await sql("select 1 from devices where registration_id like $1 and status = 'assigned'", [
                `e2e-csv-${run}-%`,
              ])
            ).length,
          { timeout: 30_000 },
        )
        .toBe(2);
    });

    test("re-provisioning a device records a second attempt on the same hub", async ({ page }) => {
      const id = `e2e-re-${run}`;
      await addDevice(page, id);
      await page.getByRole("link", { name: id }).click();
      await expect(page.getByRole("heading", { name: id })).toBeVisible();
      await page.getByRole("button", { name: "Re-provision" }).click();
      await expect(page.getByText(/Provisioned onto hic-demo-hub-/)).toBeVisible();
      const history = page.getByRole("list", { name: "Provisioning history" });
      const items = history.getByRole("listitem");
      await expect(items.filter({ hasNotText: /Hub check/ })).toHaveCount(2);
      await expect(history.getByText(/reprovisionedToInitialAssignment/)).toBeVisible();
      // Each assignment is followed by a check of the hub as the device.
      await expect(items.filter({ hasText: /Hub check/ })).toHaveCount(2);
    });

    test("removing a device says it stays registered in DPS and its hub", async ({ page }) => {
      const id = `e2e-rm-${run}`;
      await addDevice(page, id);
      await page.getByRole("link", { name: id }).click();
      await page.getByRole("button", { name: "Remove" }).click();
      const dialog = page.getByRole("dialog", { name: `Remove ${id}?` });
      await expect(dialog.getByLabel("Remove from the platform only")).toBeChecked();
      await expect(dialog).toContainText("stays (kept)");
      await expect(dialog).toContainText(
        /stays in the IoT hub \S+, enabled: the device can still connect|never assigned to a hub/,
      );
      await dialog.getByRole("button", { name: "Remove device" }).click();
      await expect(page).toHaveURL(/\/devices$/);
      expect(await sql("select 1 from devices where registration_id = $1", [id])).toHaveLength(0);
      const [audit] = await sql<{ outcome: string }>(
        "select outcome from audit_log where action = 'device.remove' and target = $1",
        [id],
      );
      expect(audit?.outcome).toBe("success");
    });
  });

  test.describe("as support staff", () => {
    test.use({ storageState: AUTH_STATE.support });

    test("support sees devices, hubs, history and errors, and no way to change them", async ({ page }) => {
      const failedId = `e2e-failed-${run}`;
      await sql(
        `insert into devices (registration_id, status, last_error_kind, last_error_code, last_error_message, attempt_count)
         values ($1, 'failed', 'unauthorized', '401002', 'Unauthorized', 1)`,
        [failedId],
      );
      await page.goto(`/devices?status=assigned`);
      await expect(page.getByRole("combobox", { name: "Status", exact: true })).toHaveValue("assigned");
      await expect(page.getByRole("cell", { name: HUB }).first()).toBeVisible();
      for (const name of [
        "Add device",
        "Import CSV",
        "Re-provision all",
        "Re-provision selected",
        "Pause provisioning",
      ]) {
        await expect(page.getByRole("button", { name })).toHaveCount(0);
      }
      await expect(page.getByRole("checkbox")).toHaveCount(0);

      await page.goto(`/devices?q=${failedId}`);
      const row = page.getByRole("row", { name: new RegExp(failedId) });
      await expect(row.getByText("Failed", { exact: true })).toBeVisible();
      await row.getByRole("link", { name: failedId }).click();
      await expect(page.getByText("Next step:")).toBeVisible();
      await expect(page.getByText(/key/i).first()).toBeVisible();
      for (const name of ["Re-provision", "Retry", "Remove"])
        await expect(page.getByRole("button", { name })).toHaveCount(0);

      await page.goto(`/devices?q=e2e-re-${run}`);
      await page.getByRole("link", { name: `e2e-re-${run}` }).click();
      await expect(
        page
          .getByRole("list", { name: "Provisioning history" })
          .getByRole("listitem")
          .filter({ hasNotText: /Hub check/ }),
      ).toHaveCount(2);
    });

    test("a hand-made add-device POST from support is refused and adds nothing", async ({
      page,
      browser,
    }) => {
      const operator = await browser.newContext({ storageState: AUTH_STATE.operator });
      const operatorPage = await operator.newPage();
      await operatorPage.goto("/devices");
      await operatorPage.getByRole("button", { name: "Add device" }).click();
      const dialog = operatorPage.getByRole("dialog", { name: "Add device" });
      await dialog.getByLabel("Registration ID").fill(`e2e-legit-${run}`);
      const actionId = await captureServerActionId(operatorPage, () =>
        dialog.getByRole("button", { name: "Add device" }).click(),
      );
      await operator.close();

      const forged = `e2e-forged-${run}`;
      const body = await postServerAction(page.request, "/devices", actionId, [{ registrationId: forged }]);
      expect(body).toContain("You do not have permission to do this.");
      expect(await sql("select 1 from devices where registration_id = $1", [forged])).toHaveLength(0);
      const import_ = await page.request.post("/api/devices/import", {
        data: `${forged}-csv,,\n`,
        headers: { "Content-Type": "text/csv" },
      });
      expect(import_.status()).toBe(403);
      expect(await sql("select 1 from devices where registration_id like $1", [`${forged}%`])).toHaveLength(
        0,
      );
    });
  });

  test.describe("screenshots for the docs", () => {
    test.skip(process.env.HIC_SCREENSHOTS !== "1", "set HIC_SCREENSHOTS=1 to refresh docs/screenshots");
    test.use({ storageState: AUTH_STATE.operator, viewport: { width: 1440, height: 1100 } });
    const shots = path.join(process.cwd(), "docs", "screenshots");

    test("the devices page and a device whose hub changed", async ({ page }) => {
      const ids = Array.from({ length: 24 }, (_, i) => `meter-${run}-${String(i + 1).padStart(3, "0")}`);
      await page.goto("/devices");
      await page.getByRole("button", { name: "Import CSV" }).click();
      const csv = [
        "registrationId,name,payload",
        ...ids.map((id, i) => `${id},Meter ${i + 1} (building ${1 + (i % 3)}),`),
      ].join("\n");
      await page
        .getByLabel("CSV file")
        .setInputFiles({ name: "meters.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await page.getByRole("button", { name: "Import" }).click();
      await expect(page.getByRole("status").filter({ hasText: "24 added" })).toBeVisible();
      await page.keyboard.press("Escape");
      await expect
        .poll(
          async () =>
            (
              await sql("select 1 from devices where registration_id like $1 and status = 'assigned'", [
                `meter-${run}-%`,
              ])
            ).length,
          { timeout: 30_000 },
        )
        .toBe(24);

      // Take the device's hub out of allocation, so re-provisioning moves it and migrates its data.
      const moving = ids[0]!;
      const [before] = await sql<{ assigned_hub: string }>(
        "select assigned_hub from devices where registration_id = $1",
        [moving],
      );
      const hubs = ["hic-demo-hub-1.azure-devices.net", "hic-demo-hub-2.azure-devices.net"];
      const linkedHubs = (excluded: string | null) =>
        hubs.map((name, i) => ({
          name,
          allocationWeight: i === 0 ? 1 : 3,
          applyAllocationPolicy: name !== excluded,
          latencyMs: i === 0 ? 40 : 25,
        }));
      await patchEmulatorConfig({ linkedHubs: linkedHubs(before!.assigned_hub) });
      try {
        await page.goto(`/devices?q=${moving}`);
        await page.getByRole("link", { name: moving }).click();
        // A click before the page hydrates does nothing (no action is sent): wait for its scripts.
        await page.waitForLoadState("networkidle");
        await page.getByRole("button", { name: "Re-provision" }).click();
        await expect(page.getByText(/Hub changed:/)).toBeVisible();
        await expect(page.getByText(/deviceDataMigrated/).first()).toBeVisible();
        await page.reload(); // without the toast
        await page.screenshot({
          path: path.join(shots, "device-history.png"),
          fullPage: true,
          animations: "disabled",
        });
      } finally {
        await patchEmulatorConfig({ linkedHubs: linkedHubs(null) });
      }

      await page.goto("/devices");
      await expect(page.getByRole("table", { name: "Devices" })).toBeVisible();
      await page.waitForTimeout(500); // let the chart lay out
      await page.screenshot({
        path: path.join(shots, "devices-page.png"),
        fullPage: true,
        animations: "disabled",
      });
    });
  });
});
