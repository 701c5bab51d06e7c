import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { createUser, LastAdminError, setUserDisabled, setUserRole } from "./store";
import { truncate } from "@/tests/support/db";

async function activeAdmins(): Promise<number> {
  const result = await getDb().execute<{ n: number }>(
    sql`select count(*)::int as n from users where role = 'admin' and disabled_at is null`,
  );
  return result.rows[0]!.n;
}

describe("the last-administrator rule", () => {
  beforeEach(async () => {
    await truncate("audit_log", "users");
  });

  it("refuses to demote or disable the only active administrator", async () => {
    const admin = await createUser({ email: "only@example.com", password: "password-123456", role: "admin" });
    await expect(setUserRole(admin.id, "operator")).rejects.toBeInstanceOf(LastAdminError);
    await expect(setUserDisabled(admin.id, true)).rejects.toBeInstanceOf(LastAdminError);
    expect(await activeAdmins()).toBe(1);
  });

  it("lets one of two concurrent demotions through, never both", async () => {
    for (let round = 0; round < 5; round++) {
      await truncate("users");
      const a = await createUser({
        email: `a${round}@example.com`,
        password: "password-123456",
        role: "admin",
      });
      const b = await createUser({
        email: `b${round}@example.com`,
        password: "password-123456",
        role: "admin",
      });
      const results = await Promise.allSettled([setUserRole(a.id, "operator"), setUserDisabled(b.id, true)]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.find((r) => r.status === "rejected")).toMatchObject({
        reason: expect.any(LastAdminError),
      });
      expect(await activeAdmins()).toBe(1);
    }
  });

  it("allows any change that leaves another active administrator", async () => {
    const a = await createUser({ email: "a@example.com", password: "password-123456", role: "admin" });
    await createUser({ email: "b@example.com", password: "password-123456", role: "admin" });
    await expect(setUserRole(a.id, "support")).resolves.toMatchObject({ after: { role: "support" } });
    await expect(setUserRole(a.id, "admin")).resolves.toMatchObject({ after: { role: "admin" } });
    await expect(setUserDisabled(a.id, true)).resolves.toMatchObject({ disabled: true });
  });
});
