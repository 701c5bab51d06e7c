import { beforeEach, describe, expect, it } from "vitest";
import { desc } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, signInThrottle } from "@/db/schema";
import { createUser, setUserDisabled } from "@/lib/users/store";
import { authenticate } from "./authenticate";
import { THROTTLE_POLICY } from "./throttle";
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
    expect(result).toEqual({ ok: true, user: { id: user.id, email: "ada@example.com" } });
    const audit = await lastAudit();
    expect(audit).toMatchObject({ action: "auth.sign-in", outcome: "success", actorId: user.id, clientAddress: "10.0.0.1" });
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

  it("clears the account's failure count after a successful sign-in", async () => {
    await createUser({ email: "frank@example.com", password: PASSWORD, role: "support" });
    await authenticate("frank@example.com", "nope-nope-nope", null);
    await authenticate("frank@example.com", PASSWORD, null);
    const rows = await getDb().select().from(signInThrottle);
    expect(rows.find((r) => r.key === "account:frank@example.com")).toBeUndefined();
  });
});
