import { test as setup, expect } from "@playwright/test";
import { ADMIN, AUTH_STATE, OPERATOR, SIGNED_OUT, SUPPORT, signIn } from "./support/accounts";
import { DESKTOP, PHONE, expectNoAxeViolations } from "./support/axe";
import { ensureUser } from "./support/db";

setup(
  "first visit creates the first administrator, who is signed in at once; then the step disappears",
  async ({ page, browser }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/setup$/);
    await expect(
      page.getByRole("heading", { level: 1, name: "Create the first administrator" }),
    ).toBeVisible();
    for (const size of [PHONE, DESKTOP]) {
      await page.setViewportSize(size);
      await expectNoAxeViolations(page, `/setup at ${size.width} px`);
    }

    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Create administrator" }).click();
    await expect(page.getByText("Enter a valid email address")).toBeVisible();
    await expect(page.getByText("Use at least 12 characters.")).toBeVisible();
    await expectNoAxeViolations(page, "/setup with errors at the fields");

    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await page.getByLabel("Repeat the password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create administrator" }).click();
    // No second trip through the sign-in page with the password just typed.
    await expect(page).toHaveURL(/\/devices$/);
    await expect(page.getByText(ADMIN.email)).toBeVisible();
    await page.context().storageState({ path: AUTH_STATE.admin });

    const stranger = await browser.newContext(SIGNED_OUT);
    const strangerPage = await stranger.newPage();
    await strangerPage.goto("/setup");
    await expect(strangerPage).toHaveURL(/\/sign-in$/);
    await stranger.close();
  },
);

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
