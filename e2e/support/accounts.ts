import type { Page } from "@playwright/test";
import { expect } from "@playwright/test";

export const ADMIN = { email: "admin@example.com", password: "admin-password-1" };
export const OPERATOR = { email: "operator@example.com", password: "operator-password-1" };
export const SUPPORT = { email: "support@example.com", password: "support-password-1" };

export const AUTH_STATE = {
  admin: "e2e/.auth/admin.json",
  operator: "e2e/.auth/operator.json",
  support: "e2e/.auth/support.json",
};

export async function signIn(page: Page, account: { email: string; password: string }): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(account.email)).toBeVisible();
}

/** Context options for a fresh browser with no session, inside tests that run as someone. */
export const SIGNED_OUT = { storageState: { cookies: [], origins: [] } };
