import { test, expect } from "@playwright/test";
import { AUTH_STATE } from "./support/accounts";

test.describe("audit log", () => {
  test.use({ storageState: AUTH_STATE.support });

  test("support staff read the audit log with actor, action, target, time and outcome", async ({ page }) => {
    await page.goto("/admin/audit-log");
    const table = page.getByRole("table", { name: "Audit log" });
    for (const column of ["Time", "Actor", "Action", "Target", "Outcome"]) {
      await expect(table.getByRole("columnheader", { name: column })).toBeVisible();
    }
    await expect(table.getByRole("cell", { name: "setup.first-admin" })).toBeVisible();
  });
});
