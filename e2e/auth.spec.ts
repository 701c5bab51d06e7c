import { test, expect } from "@playwright/test";
import { ADMIN, AUTH_STATE, SIGNED_OUT, signIn } from "./support/accounts";
import { ensureUser, sql } from "./support/db";
import { captureServerActionId, postServerAction } from "./support/server-action";

test.describe("signing in and out", () => {
  test("a wrong password is refused with a clear message and audited", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill("definitely-not-it");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in/);
    const [row] = await sql<{ outcome: string; detail: unknown }>(
      "select outcome, detail from audit_log where action = 'auth.sign-in' and target = $1 order by id desc limit 1",
      [ADMIN.email],
    );
    expect(row?.outcome).toBe("failure");
    expect(JSON.stringify(row)).not.toContain("definitely-not-it");
  });

  test("signing out ends the session", async ({ page }) => {
    await signIn(page, ADMIN);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/admin/users");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("session cookie is HttpOnly and SameSite=Lax", async ({ page }) => {
    await signIn(page, ADMIN);
    const cookie = (await page.context().cookies()).find((c) => c.name.includes("session-token"));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  });

  test("every page carries the security headers", async ({ request }) => {
    const response = await request.get("/sign-in");
    const csp = response.headers()["content-security-policy"] ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(response.headers()["x-content-type-options"]).toBe("nosniff");
    expect(response.headers()["referrer-policy"]).toBeTruthy();
    const again = (await request.get("/sign-in")).headers()["content-security-policy"];
    expect(again).not.toBe(csp); // a fresh nonce per request
  });
});

test.describe("users and roles", () => {
  test.use({ storageState: AUTH_STATE.admin });

  test("an administrator creates a support user, who signs in without Users in the navigation and is refused the page", async ({
    page,
    browser,
  }) => {
    const email = `helpdesk-${Date.now()}@example.com`;
    await page.goto("/admin/users");
    await page.getByRole("button", { name: "Add user" }).click();
    const dialog = page.getByRole("dialog", { name: "Add user" });
    await dialog.getByLabel("Email").fill(email);
    await dialog.getByLabel("Password").fill("helpdesk-password-1");
    await dialog.getByLabel("Role").selectOption("support");
    await dialog.getByRole("button", { name: "Create user" }).click();
    await expect(page.getByRole("cell", { name: email, exact: true })).toBeVisible();

    const context = await browser.newContext(SIGNED_OUT);
    const support = await context.newPage();
    await signIn(support, { email, password: "helpdesk-password-1" });
    const nav = support.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Devices" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Audit log" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);

    const response = await support.goto("/admin/users");
    expect(response?.status()).toBe(403);
    await expect(support.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
    await context.close();
  });

  test("a hand-made server-action POST from a support user is refused and changes nothing", async ({
    page,
    browser,
  }) => {
    await page.goto("/admin/users");
    await page.getByRole("button", { name: "Add user" }).click();
    const dialog = page.getByRole("dialog", { name: "Add user" });
    const legit = `legit-${Date.now()}@example.com`;
    await dialog.getByLabel("Email").fill(legit);
    await dialog.getByLabel("Password").fill("legit-password-12");
    const actionId = await captureServerActionId(page, () =>
      dialog.getByRole("button", { name: "Create user" }).click(),
    );
    await expect(page.getByRole("cell", { name: legit, exact: true })).toBeVisible();

    const supportContext = await browser.newContext({ storageState: AUTH_STATE.support });
    const forged = `forged-${Date.now()}@example.com`;
    const body = await postServerAction(supportContext.request, "/admin/users", actionId, [
      { email: forged, password: "forged-password-1", role: "admin" },
    ]);
    expect(body).toContain("You do not have permission to do this.");
    expect(await sql("select 1 from users where email = $1", [forged])).toHaveLength(0);
    const [denied] = await sql<{ actor_email: string }>(
      "select actor_email from audit_log where action = 'user.create' and outcome = 'denied' order by id desc limit 1",
    );
    expect(denied?.actor_email).toBe("support@example.com");
    await supportContext.close();
  });

  test("a disabled user is signed out on the next request", async ({ page, browser }) => {
    const email = `leaver-${Date.now()}@example.com`;
    await ensureUser(email, "leaver-password-1", "operator");
    const context = await browser.newContext(SIGNED_OUT);
    const leaver = await context.newPage();
    await signIn(leaver, { email, password: "leaver-password-1" });

    await page.goto("/admin/users");
    await page.getByRole("button", { name: `Disable ${email}` }).click();
    await expect(page.getByRole("row", { name: new RegExp(email) }).getByText("Disabled")).toBeVisible();

    await leaver.goto("/devices");
    await expect(leaver).toHaveURL(/\/sign-in/);
    await context.close();
  });

  test("a demoted administrator loses Users on the next request", async ({ browser }) => {
    const email = `demoted-${Date.now()}@example.com`;
    await ensureUser(email, "demoted-password-1", "admin");
    const context = await browser.newContext(SIGNED_OUT);
    const page = await context.newPage();
    await signIn(page, { email, password: "demoted-password-1" });
    expect((await page.goto("/admin/users"))?.status()).toBe(200);
    await sql("update users set role = 'support' where email = $1", [email]);
    expect((await page.goto("/admin/users"))?.status()).toBe(403);
    await context.close();
  });
});
