import { beforeEach, describe, expect, it } from "vitest";
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
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

  it("holds an account up after repeated failures, even for the right password, from any unknown browser", async () => {
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

  it("makes each further guess wait twice as long, instead of locking the account for a fixed time", async () => {
    await createUser({ email: "hank@example.com", password: PASSWORD, role: "support" });
    const waits: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < (round === 0 ? THROTTLE_POLICY.accountLimit : 1); i++)
        await authenticate("hank@example.com", `nope-${round}-${i}-nope`, `10.5.${round}.${i}`);
      const result = await authenticate("hank@example.com", PASSWORD, "10.5.9.9");
      expect(result.ok === false && result.reason).toBe("throttled");
      waits.push(!result.ok && result.reason === "throttled" ? result.retryAt.getTime() - Date.now() : 0);
      // Let the wait run out, as an attacker who keeps guessing would.
      await getDb().execute(
        sql`update sign_in_throttle set locked_until = now() where key = 'account:hank@example.com'`,
      );
    }
    const first = THROTTLE_POLICY.firstDelayMs;
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThan(first * 2 ** i - 5_000);
      expect(wait).toBeLessThanOrEqual(first * 2 ** i);
    });
  });

  it("never makes a guess wait longer than the longest delay", async () => {
    await getDb().execute(
      sql`insert into sign_in_throttle (key, failures, window_started_at) values ('account:iris@example.com', 40, now())`,
    );
    await authenticate("iris@example.com", "one-more-guess-x", "10.6.0.1");
    const result = await authenticate("iris@example.com", "and-another-guess", "10.6.0.2");
    const wait = !result.ok && result.reason === "throttled" ? result.retryAt.getTime() - Date.now() : 0;
    expect(wait).toBeGreaterThan(THROTTLE_POLICY.maxDelayMs - 5_000);
    expect(wait).toBeLessThanOrEqual(THROTTLE_POLICY.maxDelayMs);
  });

  it("keeps an account under a guessing attack from other addresses usable from its owner's browser", async () => {
    await createUser({ email: "jill@example.com", password: PASSWORD, role: "support" });
    // The owner has signed in from this browser before: it holds a device cookie for the account.
    const ownersDevice = "owners-browser-device-0";
    for (let i = 0; i < 30; i++)
      await authenticate("jill@example.com", `attack-${i}-guess`, `198.51.100.${i}`);
    const fromAttacker = await authenticate("jill@example.com", PASSWORD, "198.51.100.77");
    expect(fromAttacker.ok === false && fromAttacker.reason).toBe("throttled");
    // Same network as the attacker, even: the owner's browser is counted on its own.
    const owner = await authenticate("jill@example.com", PASSWORD, "198.51.100.1", "sign-in", ownersDevice);
    expect(owner.ok).toBe(true);
    // Its success does not reset the count the attacker raised.
    const again = await authenticate("jill@example.com", PASSWORD, "198.51.100.78");
    expect(again.ok === false && again.reason).toBe("throttled");
  });

  it("slows down guesses from a browser that holds a device cookie too, on that cookie's own count", async () => {
    await createUser({ email: "kim@example.com", password: PASSWORD, role: "support" });
    for (let i = 0; i < THROTTLE_POLICY.deviceLimit; i++)
      await authenticate("kim@example.com", `typo-${i}-typo`, "10.7.0.1", "sign-in", "stolen-laptop-device");
    const result = await authenticate(
      "kim@example.com",
      PASSWORD,
      "10.7.0.1",
      "sign-in",
      "stolen-laptop-device",
    );
    expect(result.ok === false && result.reason).toBe("throttled");
    expect((await authenticate("kim@example.com", PASSWORD, "10.7.0.2")).ok).toBe(true);
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

  it("purges counts quiet for an hour whose delay has ended", async () => {
    await getDb()
      .execute(sql`insert into sign_in_throttle (key, failures, window_started_at, locked_until) values
      ('account:old@example.com', 3, now() - interval '61 minutes', null),
      ('account:locked@example.com', 6, now() - interval '61 minutes', now() + interval '5 minutes'),
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
