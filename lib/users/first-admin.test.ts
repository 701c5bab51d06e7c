import { beforeEach, describe, expect, it, vi } from "vitest";
import { argon2Evaluations } from "@/lib/auth/argon2-gate";
import { truncate } from "@/tests/support/db";
import { createFirstAdmin, createUser } from "./store";

vi.mock("next/headers", () => ({ headers: async () => new Headers() }));
vi.mock("@/auth", () => ({ signIn: async () => {} }));
vi.mock("next-auth", () => ({ AuthError: class AuthError extends Error {} }));
const { createFirstAdminAction } = await import("@/lib/actions/create-first-admin");

describe("creating the first administrator", () => {
  beforeEach(async () => {
    await truncate("audit_log", "users", "sign_in_throttle");
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

  it("is throttled per client address: a flood of set-up posts waits, with a clear message", async () => {
    await createUser({ email: "someone@example.com", password: "password-123456", role: "support" });
    const input = {
      email: "x@example.com",
      password: "intruder-password-1",
      confirmPassword: "intruder-password-1",
    };
    const replies = [];
    for (let i = 0; i < 7; i++) replies.push(await createFirstAdminAction(input));
    expect(
      replies.slice(0, 5).every((r) => r.message === "An administrator already exists. Sign in instead."),
    ).toBe(true);
    expect(replies.at(-1)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Too many attempts from your network\. Try again in/),
    });
  });
});
