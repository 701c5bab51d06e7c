import { test, expect } from "@playwright/test";
import { ensureUser, sql } from "../support/db";
import { ADMIN, SIGNED_OUT, signIn as signInThroughUi } from "../support/accounts";
import { postCredentials } from "./http";
import { runId } from "./fixture";
import { addFigures } from "./summary";

/**
 * The sign-in throttle under attack, over HTTP: a forged X-Forwarded-For does not give a client a
 * fresh address, and a burst of parallel guesses for one account gets at most the limit evaluated.
 */
test.describe("sign-in throttling", () => {
  test.describe.configure({ mode: "serial" });
  const run = runId();
  const victim = { email: `adv-locked-${run}@example.com`, password: "adversarial-password-1" };

  test.beforeAll(async () => {
    await ensureUser(victim.email, victim.password, "support");
  });
  test.beforeEach(async () => {
    await sql("delete from sign_in_throttle");
  });
  test.afterAll(async () => {
    await sql("delete from sign_in_throttle");
    await sql("delete from users where email like 'adv-%'");
  });

  test("30 attempts from one client, each claiming another X-Forwarded-For, still hit the address limit", async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const forged = `203.0.113.${i + 1}, 198.51.100.${i + 1}`;
      const { location } = await postCredentials(`adv-spray-${run}-${i}@example.com`, "wrong-password-1", {
        "X-Forwarded-For": forged,
        "X-Real-IP": forged,
        "X-HIC-Socket-Address": `192.0.2.${i + 1}`,
      });
      outcomes.push(location);
    }
    const throttled = outcomes.filter((l) => l.includes("code=throttled")).length;
    expect(throttled).toBeGreaterThanOrEqual(10);
    const addresses = await sql<{ client_address: string }>(
      "select distinct client_address from audit_log where action = 'auth.sign-in' and target like $1",
      [`adv-spray-${run}-%`],
    );
    expect(addresses.map((a) => a.client_address)).toEqual(["127.0.0.1"]);
    addFigures({ "spoofed-header attempts throttled (of 30)": throttled });
  });

  test("40 parallel wrong passwords for one account: at most 5 reach the password check", async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => postCredentials(victim.email, `wrong-guess-${i}-x`)),
    );
    const [{ n: evaluated }] = (await sql<{ n: string }>(
      "select count(*) as n from audit_log where action = 'auth.sign-in' and target = $1 and outcome = 'failure'",
      [victim.email],
    )) as [{ n: string }];
    expect(Number(evaluated)).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.location.includes("code=throttled")).length).toBe(40 - Number(evaluated));
    addFigures({ "parallel guesses evaluated (of 40)": Number(evaluated) });
  });

  test("a locked user is told when to try again, and an administrator can unlock the account", async ({
    browser,
  }) => {
    // Two browsers, three sign-ins with Argon2 each: more than the default minute on a busy machine.
    test.setTimeout(150_000);
    for (let i = 0; i < 6; i++) await postCredentials(victim.email, `wrong-guess-${i}-y`);
    // A guessing attack that has gone on for a while: the account's wait has grown to 10 minutes.
    await sql(
      "update sign_in_throttle set failures = 9, locked_until = now() + interval '10 minutes' where key = $1",
      [`account:${victim.email}`],
    );
    const context = await browser.newContext(SIGNED_OUT);
    const page = await context.newPage();
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(victim.email);
    await page.getByLabel("Password").fill(victim.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(
      page.getByRole("alert").filter({ hasText: /Try again in (9|10) minutes \(after \d\d:\d\d UTC\)/ }),
    ).toBeVisible();

    const admin = await (await browser.newContext(SIGNED_OUT)).newPage();
    await signInThroughUi(admin, ADMIN);
    await admin.goto("/admin/users");
    await expect(
      admin.getByRole("row", { name: new RegExp(victim.email) }).getByText(/Locked until/),
    ).toBeVisible();
    await admin.getByRole("button", { name: `Unlock ${victim.email}` }).click();
    await expect(admin.getByText(`${victim.email} is unlocked and can sign in again.`)).toBeVisible();

    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText(victim.email)).toBeVisible();
    await context.close();
  });
});
