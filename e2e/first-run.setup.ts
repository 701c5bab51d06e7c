import { test as setup, expect } from "@playwright/test";
import { ADMIN, AUTH_STATE, OPERATOR, SUPPORT, signIn } from "./support/accounts";
import { ensureUser } from "./support/db";

setup("first visit creates the first administrator, then the step disappears", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Create the first administrator" })).toBeVisible();

  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();

  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Repeat the password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page).toHaveURL(/\/sign-in\?created=1$/);

  await page.goto("/setup");
  await expect(page).toHaveURL(/\/sign-in$/);

  await signIn(page, ADMIN);
  await page.context().storageState({ path: AUTH_STATE.admin });
});

setup("operator and support accounts can sign in", async ({ browser }) => {
  for (const [account, role, state] of [
    [OPERATOR, "operator", AUTH_STATE.operator],
    [SUPPORT, "support", AUTH_STATE.support],
  ] as const) {
    await ensureUser(account.email, account.password, role);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, account);
    await context.storageState({ path: state });
    await context.close();
  }
});
