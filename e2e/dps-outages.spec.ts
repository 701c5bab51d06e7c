import { randomBytes } from "node:crypto";
import { test, expect, type Browser, type Page } from "@playwright/test";
import { DEMO_ENROLLMENT_GROUP_ID } from "@/emulators/dps/demo-config";
import { AUTH_STATE } from "./support/accounts";
import { DESKTOP, PHONE, expectNoAxeViolations } from "./support/axe";
import { sql } from "./support/db";
import { connectDpsThroughUi } from "./support/dps";
import { emulatorConnection, patchEmulatorConfig, patchEmulatorFaults } from "./support/emulator";

const INTEGRATION = "/admin/hyperscaler-integration-center";
const run = Date.now().toString(36);
const tile = (page: Page) => page.getByRole("region", { name: "Azure DPS" });

/** Axe at desktop width and at 390 px, and nothing wider than the window (as in the accessibility tour). */
async function scanAtBothWidths(page: Page, what: string) {
  for (const [label, size] of [
    ["desktop", DESKTOP],
    ["390 px", PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.evaluate(
      () =>
        new Promise<void>((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 50))),
        ),
    );
    await expectNoAxeViolations(page, `${what} at ${label}`);
    expect
      .soft(
        await page.evaluate(() => document.documentElement.scrollWidth),
        `page width of ${what} at ${label}`,
      )
      .toBeLessThanOrEqual(size.width);
  }
  await page.setViewportSize(DESKTOP);
}

async function addDevice(page: Page, registrationId: string): Promise<string> {
  await page.goto("/devices");
  await page.getByRole("button", { name: "Add device" }).click();
  const dialog = page.getByRole("dialog", { name: "Add device" });
  await dialog.getByLabel("Registration ID").fill(registrationId);
  await dialog.getByRole("button", { name: "Add device" }).click();
  // The person waits while the engine meets the problem (a few requests, no more).
  await expect(dialog).toBeHidden({ timeout: 45_000 });
  return (
    (await page
      .locator("[data-sonner-toast]")
      .filter({ hasText: registrationId })
      .first()
      .textContent({ timeout: 15_000 })) ?? ""
  );
}

async function statusOf(registrationId: string): Promise<string | undefined> {
  const [row] = await sql<{ status: string }>("select status from devices where registration_id = $1", [
    registrationId,
  ]);
  return row?.status;
}

async function asSupport<T>(browser: Browser, work: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ storageState: AUTH_STATE.support });
  try {
    return await work(await context.newPage());
  } finally {
    await context.close();
  }
}

test.describe("DPS going away and a refused key, in plain words", () => {
  test.describe.configure({ mode: "serial" });
  test.use({ storageState: AUTH_STATE.admin });

  test.afterAll(async () => {
    await patchEmulatorFaults({ unreachable: false });
  });

  test("DPS unreachable: the devices page and the tile say since when and when the next check is; the device is provisioned once DPS is back", async ({
    page,
    browser,
  }) => {
    test.setTimeout(120_000);
    await connectDpsThroughUi(page);
    await patchEmulatorFaults({ unreachable: true });
    const registrationId = `outage-${run}`;
    expect(await addDevice(page, registrationId)).toContain("Azure DPS is unreachable right now");
    expect(await statusOf(registrationId)).toBe("pending");

    await asSupport(browser, async (support) => {
      await support.goto("/devices");
      const panel = support.getByLabel("Provisioning engine");
      await expect(
        panel.getByText(/^DPS unreachable since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/),
      ).toBeVisible();
      await expect(panel.getByText(/(Next check in|Checking now)/)).toBeVisible();
      await expect(panel.getByText(/devices stay Pending and use up none of their retries/)).toBeVisible();
      await scanAtBothWidths(support, "the devices page while DPS is unreachable (support)");
    });

    await page.goto(INTEGRATION);
    await expect(tile(page).getByText("DPS unreachable", { exact: true })).toBeVisible();
    await expect(tile(page).getByText(/^DPS unreachable since /)).toBeVisible();
    await scanAtBothWidths(page, "the Azure DPS tile while DPS is unreachable");

    await patchEmulatorFaults({ unreachable: false });
    await expect.poll(() => statusOf(registrationId), { timeout: 30_000 }).toBe("assigned");
    await page.goto("/devices");
    await expect(page.getByText(/DPS unreachable since/)).toHaveCount(0);
  });

  test("a key DPS refuses: devices wait as Pending, the tile needs attention with the next step, and saving the new key resumes without a retry", async ({
    page,
    browser,
  }) => {
    test.setTimeout(120_000);
    await connectDpsThroughUi(page);
    const original = emulatorConnection().groupKey;
    const rotated = randomBytes(64).toString("base64");
    // Both keys regenerated in the portal.
    await patchEmulatorConfig({
      enrollmentGroups: [
        {
          enrollmentGroupId: DEMO_ENROLLMENT_GROUP_ID,
          primaryKey: rotated,
          secondaryKey: randomBytes(64).toString("base64"),
        },
      ],
    });
    try {
      const registrationId = `refused-${run}`;
      expect(await addDevice(page, registrationId)).toContain("refuses the enrollment group key");
      expect(await statusOf(registrationId)).toBe("pending");

      await asSupport(browser, async (support) => {
        await support.goto("/devices");
        const panel = support.getByLabel("Provisioning engine");
        await expect(panel.getByText(/^DPS refuses the enrollment group key \(since /)).toBeVisible();
        await expect(
          panel.getByText(/An administrator must enter the current key on the Azure DPS tile/),
        ).toBeVisible();
        await scanAtBothWidths(support, "the devices page while DPS refuses the key (support)");
      });

      await page.goto(INTEGRATION);
      await expect(tile(page).getByText("Needs attention", { exact: true })).toBeVisible();
      await expect(tile(page).getByText(/^DPS refuses the enrollment group key \(since /)).toBeVisible();
      await expect(
        tile(page).getByText(/Provisioning resumes by itself, nobody needs to retry devices/),
      ).toBeVisible();
      await scanAtBothWidths(page, "the Azure DPS tile while DPS refuses the key");

      // The administrator saves the new key; nobody presses Retry.
      await tile(page).getByRole("button", { name: "Edit", exact: true }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Enrollment group key", { exact: true }).fill(rotated);
      await dialog.getByRole("button", { name: "Save" }).click();
      await expect(dialog).toBeHidden();
      await expect.poll(() => statusOf(registrationId), { timeout: 30_000 }).toBe("assigned");
      await page.goto(INTEGRATION);
      await expect(tile(page).getByText("Connected", { exact: true })).toBeVisible();
    } finally {
      // The other files connect with the demo key: give it back to the emulator and to the app.
      await patchEmulatorConfig({
        enrollmentGroups: [{ enrollmentGroupId: DEMO_ENROLLMENT_GROUP_ID, primaryKey: original }],
      });
      await page.goto(INTEGRATION);
      await tile(page).getByRole("button", { name: "Edit", exact: true }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Enrollment group key", { exact: true }).fill(original);
      await dialog.getByRole("button", { name: "Save" }).click();
      await expect(dialog).toBeHidden();
    }
  });
});
