import { beforeEach, describe, expect, it } from "vitest";
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, signInThrottle } from "@/db/schema";
import { createUser, setUserDisabled } from "@/lib/users/store";
import { authenticate } from "./authenticate";
import { addressKey, purgeExpiredThrottleRows, THROTTLE_POLICY, unlockAccount } from "./throttle";
import { truncate } from "@/tests/support/db";

const PASSWORD = "correct horse battery";

async function lastAudit() {
  const [row] = await getDb().select().from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  return row!;
}

describe("authenticate", () => {
  beforeEach(async () => {
    await truncate("audit_log", "sign_in_throttle", "users");
  });

  it("accepts the right password case-insensitively on the email and audits the success", async () => {
    const user = await createUser({ email: "Ada@Example.com", password: PASSWORD, role: "operator" });
    const result = await authenticate("ADA@example.COM", PASSWORD, "10.0.0.1");
    expect(result).toEqual({
      ok: true,
      user: { id: user.id, email: "ada@example.com", sessionGeneration: 0 },
    });
    const audit = await lastAudit();
    expect(audit).toMatchObject({
      action: "auth.sign-in",
      outcome: "success",
      actorId: user.id,
      clientAddress: "10.0.0.1",
    });
  });

  it("refuses a wrong password and never writes the password to the audit log", async () => {
    await createUser({ email: "bob@example.com", password: PASSWORD, role: "support" });
    const result = await authenticate("bob@example.com", "wrong password attempt", "10.0.0.2");
    expect(result).toEqual({ ok: false, reason: "invalid" });
    const audit = await lastAudit();
    expect(audit.outcome).toBe("failure");
    expect(JSON.stringify(audit)).not.toContain("wrong password attempt");
  });

  it("answers a disabled account exactly like a wrong password", async () => {
    const user = await createUser({ email: "carol@example.com", password: PASSWORD, role: "support" });
    await setUserDisabled(user.id, true);
    expect(await authenticate("carol@example.com", PASSWORD, null)).toEqual({ ok: false, reason: "invalid" });
  });

  it("locks an account after repeated failures, even for the right password, from any address", async () => {
    await createUser({ email: "dave@example.com", password: PASSWORD, role: "support" });
    for (let i = 0; i < THROTTLE_POLICY.accountLimit; i++) {
      await authenticate("dave@example.com", `guess-${i}-xxxxxxx`, `10.1.0.${i}`);
    }
    // The limit's worth of checks ran; the next attempt, even with the right password, is refused.
    const result = await authenticate("dave@example.com", PASSWORD, "10.9.9.9");
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toBe("throttled");
    expect((await lastAudit()).outcome).toBe("denied");
  });

  it("locks a client address that sprays many accounts", async () => {
    for (let i = 0; i < THROTTLE_POLICY.addressLimit; i++) {
      await authenticate(`nobody${i}@example.com`, "whatever-password", "10.2.0.1");
    }
    await createUser({ email: "erin@example.com", password: PASSWORD, role: "support" });
    const fromSprayer = await authenticate("erin@example.com", PASSWORD, "10.2.0.1");
    expect(fromSprayer.ok === false && fromSprayer.reason).toBe("throttled");
    expect((await authenticate("erin@example.com", PASSWORD, "10.2.0.2")).ok).toBe(true);
  });

  it("lets at most the limit of a burst of parallel wrong passwords reach the password check", async () => {
    await createUser({ email: "gina@example.com", password: PASSWORD, role: "support" });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        authenticate("gina@example.com", `wrong-guess-${i}-xx`, `10.3.${i}.1`),
      ),
    );
    const evaluated = await getDb()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.target, "gina@example.com"), eq(auditLog.outcome, "failure")));
    expect(evaluated.length).toBeLessThanOrEqual(THROTTLE_POLICY.accountLimit);
    expect(results.filter((r) => !r.ok && r.reason === "throttled")).toHaveLength(40 - evaluated.length);
  });

  it("says when a locked account may try again", async () => {
    await createUser({ email: "hank@example.com", password: PASSWORD, role: "support" });
    for (let i = 0; i <= THROTTLE_POLICY.accountLimit; i++)
      await authenticate("hank@example.com", `nope-${i}-nope-nope`, null);
    const result = await authenticate("hank@example.com", PASSWORD, null);
    expect(result.ok).toBe(false);
    const retryAt = !result.ok && result.reason === "throttled" ? result.retryAt.getTime() : 0;
    expect(retryAt - Date.now()).toBeGreaterThan(THROTTLE_POLICY.lockMs - 60_000);
    expect(retryAt - Date.now()).toBeLessThanOrEqual(THROTTLE_POLICY.lockMs);
  });

  it("counts IPv6 clients by their /64, so rotating addresses inside it does not help", async () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe(addressKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
    expect(addressKey("2001:db8:1:2::1")).not.toBe(addressKey("2001:db8:1:3::1"));
    expect(addressKey(null)).toBe("address:unknown");
  });

  it("an administrator's unlock lets the account sign in at once", async () => {
    await createUser({ email: "ivy@example.com", password: PASSWORD, role: "support" });
    for (let i = 0; i <= THROTTLE_POLICY.accountLimit; i++)
      await authenticate("ivy@example.com", `nope-${i}-nope-nope`, `10.4.0.${i}`);
    expect((await authenticate("ivy@example.com", PASSWORD, "10.4.1.1")).ok).toBe(false);
    expect(await unlockAccount("ivy@example.com")).toBe(true);
    expect((await authenticate("ivy@example.com", PASSWORD, "10.4.1.1")).ok).toBe(true);
  });

  it("purges counts whose window and lock have both ended", async () => {
    await getDb()
      .execute(sql`insert into sign_in_throttle (key, failures, window_started_at, locked_until) values
      ('account:old@example.com', 3, now() - interval '1 hour', null),
      ('account:locked@example.com', 6, now() - interval '1 hour', now() + interval '5 minutes'),
      ('account:recent@example.com', 1, now(), null)`);
    expect(await purgeExpiredThrottleRows(Date.now() + 3_600_000)).toBe(1);
    const keys = (await getDb().select().from(signInThrottle)).map((r) => r.key).sort();
    expect(keys).toEqual(["account:locked@example.com", "account:recent@example.com"]);
  });

  it("clears the account's failure count after a successful sign-in", async () => {
    await createUser({ email: "frank@example.com", password: PASSWORD, role: "support" });
    await authenticate("frank@example.com", "nope-nope-nope", null);
    await authenticate("frank@example.com", PASSWORD, null);
    const rows = await getDb().select().from(signInThrottle);
    expect(rows.find((r) => r.key === "account:frank@example.com")).toBeUndefined();
  });
});
