import { test, expect } from "@playwright/test";
import { ensureUser, sql } from "../support/db";
import { BASE_URL, postCredentials, request, signIn } from "./http";
import { runId } from "./fixture";
import { pageProblems } from "./judge";
import { logMark, serverErrorsSince } from "./server-log";
import { addFigures } from "./summary";

const cursor = (key: string, id = 1) => Buffer.from(JSON.stringify([key, id])).toString("base64url");

async function get(path: string, cookie?: string) {
  const response = await request(`${BASE_URL}${path}`, {
    redirect: "manual",
    headers: cookie ? { Cookie: cookie } : {},
  });
  return {
    status: response.status,
    location: response.headers.get("location") ?? "",
    body: await response.text(),
  };
}

/**
 * The second round of hostile clients (issue 24), each case over HTTP as the issue tried it: no
 * 5xx and no failed section for crafted URLs, a guessing attack that cannot lock the owner out of
 * the browser they use, and a sign-out that ends the session wherever its cookie was copied.
 */
test.describe("hostile clients", () => {
  test.describe.configure({ mode: "serial" });
  const run = runId();
  const owner = { email: `adv-owner-${run}@example.com`, password: "adversarial-password-1" };
  const admin = { email: `adv-hc-admin-${run}@example.com`, password: "adversarial-password-1" };
  const mark = logMark();

  test.beforeAll(async () => {
    await ensureUser(owner.email, owner.password, "support");
    await ensureUser(admin.email, admin.password, "admin");
  });
  test.afterAll(async () => {
    await sql("delete from sign_in_throttle");
    await sql("delete from users where email like $1", [`adv-%-${run}@example.com`]);
    await sql("delete from users where email = $1", [owner.email]);
  });

  test("crafted codes, cursors and page parameters answer without a 5xx or a failed section", async () => {
    const session = await signIn(admin.email, admin.password);
    const cases: [string, string | undefined][] = [
      ["/sign-in?error=x&code=throttled-9000000000000000", undefined],
      ["/sign-in?error=x&code=throttled-99999999999999999999", undefined],
      ["/sign-in?error=x&code=throttled--1&callbackUrl=//evil.example", undefined],
      [`/devices?sort=-updated&after=${cursor("2026-01-01 00:00:00+99")}`, session.cookie],
      [`/devices?sort=updated&before=${cursor("2026-01-01 00:00:00+05:99")}`, session.cookie],
      [`/devices?sort=-updated&after=${cursor("0000-01-01 00:00:00+00")}`, session.cookie],
      [`/devices?sort=registrationId&after=${cursor("\u0000")}`, session.cookie],
      ["/admin/audit-log?before=99999999999999999999", session.cookie],
      ["/admin/audit-log?before=-1", session.cookie],
      [
        `/admin/hyperscaler-integration-center/registration-records?finding=%00&hub=${"x".repeat(5000)}&after=${cursor("x")}&before=%FF`,
        session.cookie,
      ],
      [
        `/admin/hyperscaler-integration-center/hub-drift?finding=%00&hub=${"x".repeat(5000)}&q=%25_&after=${cursor("x")}&before=%FF`,
        session.cookie,
      ],
      ["/devices/99999999999999999999", session.cookie],
    ];
    for (const [path, cookie] of cases) {
      const { status, body } = await get(path, cookie);
      expect(status, path).toBeLessThan(500);
      expect(pageProblems(body), path).toEqual([]);
    }
    const signInPage = await get("/sign-in?error=x&code=throttled-9000000000000000");
    expect(signInPage.status).toBe(200);
    expect(signInPage.body).toContain("Try again in 15 minutes");
    addFigures({ "crafted page requests without 5xx or failed section": cases.length });
  });

  test("an account under a guessing attack from elsewhere stays usable from the browser its owner has used", async () => {
    await sql("delete from sign_in_throttle");
    const first = await postCredentials(owner.email, owner.password);
    const device = /hic-device=[^;]+/.exec(first.cookie)?.[0];
    expect(device, "a device cookie after a successful sign-in").toBeTruthy();

    // The attacker: 30 guesses from browsers the account does not know.
    const guesses = [];
    for (let i = 0; i < 30; i++) guesses.push(await postCredentials(owner.email, `attacker-guess-${i}`));
    const throttled = guesses.filter((g) => g.location.includes("code=throttled")).length;
    expect(throttled).toBeGreaterThanOrEqual(20);
    // Even the right password is held up for a browser without the cookie…
    expect((await postCredentials(owner.email, owner.password)).location).toContain("code=throttled");
    // …but the owner's browser signs in at once.
    const fromOwner = await postCredentials(owner.email, owner.password, { Cookie: device! });
    expect(fromOwner.cookie).toContain("session-token");
    expect(fromOwner.location).not.toContain("error");
    addFigures({
      "attacker guesses held up (of 30)": throttled,
      "owner sign-ins through the attack (of 1)": 1,
    });
  });

  test("signing out ends the session on the server: a copied cookie stops working", async () => {
    await sql("delete from sign_in_throttle");
    const session = await signIn(owner.email, owner.password);
    const copied = session.cookie;
    expect((await get("/devices", copied)).status).toBe(200);

    const csrf = await request(`${BASE_URL}/api/auth/csrf`, { headers: { Cookie: session.cookie } });
    const csrfCookie = csrf.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const out = await request(`${BASE_URL}/api/auth/signout`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Cookie: [session.cookie, csrfCookie].filter(Boolean).join("; "),
      },
      body: new URLSearchParams({ csrfToken }),
    });
    expect(out.status).toBeLessThan(400);

    const after = await get("/devices", copied);
    expect(after.status, "the copied cookie after sign-out").not.toBe(200);
    expect(after.location + after.body).toMatch(/sign-in/);
  });

  test("X-Forwarded-For from an untrusted socket is ignored and administrators are told", async () => {
    await request(`${BASE_URL}/sign-in`, { headers: { "X-Forwarded-For": "203.0.113.50" } }).then((r) =>
      r.text(),
    );
    await postCredentials(`adv-nobody-${run}@example.com`, "wrong-password-1", {
      "X-Forwarded-For": "203.0.113.50",
    });
    const session = await signIn(admin.email, admin.password);
    const users = await get("/admin/users", session.cookie);
    expect(users.body).toContain("HIC_TRUSTED_PROXIES");
  });

  test("the server logged no error while these requests ran", () => {
    expect(serverErrorsSince(mark)).toEqual([]);
  });
});
