import { beforeEach, describe, expect, it } from "vitest";
import { argon2Evaluations } from "@/lib/auth/argon2-gate";
import { truncate } from "@/tests/support/db";
import { createFirstAdmin, createUser } from "./store";

describe("creating the first administrator", () => {
  beforeEach(async () => {
    await truncate("audit_log", "users");
  });

  it("costs no password hashing once any account exists", async () => {
    await createUser({ email: "someone@example.com", password: "password-123456", role: "support" });
    const before = argon2Evaluations();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        createFirstAdmin({ email: `intruder${i}@example.com`, password: "intruder-password-1" }),
      ),
    );
    expect(results).toEqual([null, null, null, null, null]);
    expect(argon2Evaluations() - before).toBe(0);
  });

  it("creates exactly one administrator when two set-ups race", async () => {
    const results = await Promise.all([
      createFirstAdmin({ email: "first@example.com", password: "first-password-1" }),
      createFirstAdmin({ email: "second@example.com", password: "second-password-1" }),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });
});
