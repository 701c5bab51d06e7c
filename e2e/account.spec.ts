import { test, expect } from "@playwright/test";
import { SIGNED_OUT, signIn } from "./support/accounts";
import { ensureUser, sql } from "./support/db";

test.describe("your account", () => {
  test("changing the password keeps this session, ends the others, and Sign out everywhere ends this one too", async ({
    browser,
  }) => {
    const account = { email: `account-${Date.now()}@example.com`, password: "first-password-123" };
    await ensureUser(account.email, account.password, "operator");
    const here = await (await browser.newContext(SIGNED_OUT)).newPage();
    const elsewhere = await (await browser.newContext(SIGNED_OUT)).newPage();
    await signIn(here, account);
    await signIn(elsewhere, account);

    await here.getByRole("link", { name: new RegExp(account.email) }).click();
    await expect(here.getByRole("heading", { name: "Your account" })).toBeVisible();
    await here.getByLabel("Current password").fill("not-my-password");
    await here.getByLabel("New password", { exact: true }).fill("second-password-123");
    await here.getByLabel("Repeat the new password").fill("second-password-123");
    await here.getByRole("button", { name: "Change password" }).click();
    await expect(here.getByText("The current password is not right.").first()).toBeVisible();

    await here.getByLabel("Current password").fill(account.password);
    await here.getByRole("button", { name: "Change password" }).click();
    await expect(here.getByText("Password changed. Sessions on other devices are signed out.")).toBeVisible();

    await elsewhere.goto("/devices");
    await expect(elsewhere).toHaveURL(/\/sign-in/);

    await here.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(here).toHaveURL(/\/sign-in\?signed-out=everywhere/);
    await expect(here.getByText("You are signed out on every device.")).toBeVisible();

    const audit = await sql<{ action: string; outcome: string }>(
      "select action, outcome from audit_log where target = $1 and action like 'user.%' order by id",
      [account.email],
    );
    expect(audit).toEqual([
      { action: "user.change-password", outcome: "failure" },
      { action: "user.change-password", outcome: "success" },
      { action: "user.end-sessions", outcome: "success" },
    ]);
    await sql("delete from sign_in_throttle");
  });
});
