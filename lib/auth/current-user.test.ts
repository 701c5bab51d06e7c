import { beforeEach, describe, expect, it, vi } from "vitest";
import { createUser, endUserSessions, setUserDisabled, setUserPassword, setUserRole } from "@/lib/users/store";
import { truncate } from "@/tests/support/db";

const session = vi.hoisted(() => ({ userId: null as string | null, generation: 0 }));
vi.mock("@/lib/auth/session-source", () => ({ sessionClaims: async () => (session.userId ? { userId: session.userId, generation: session.generation } : null) }));
// React's per-request cache would keep one answer for the whole test file.
vi.mock("react", async (orig) => ({ ...(await orig<typeof import("react")>()), cache: <T>(fn: T) => fn }));

const { requirePermission, AccessDeniedError } = await import("./current-user");

describe("requirePermission", () => {
  beforeEach(async () => {
    await truncate("audit_log", "users");
    session.userId = null;
    session.generation = 0;
  });

  it("refuses a request without a session as unauthenticated", async () => {
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
  });

  it("refuses a support user an administrator's permission", async () => {
    const support = await createUser({ email: "s@example.com", password: "password-123456", role: "support" });
    session.userId = support.id;
    await expect(requirePermission("devices.view")).resolves.toMatchObject({ id: support.id, role: "support" });
    await expect(requirePermission("users.manage")).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("applies a demotion on the very next call, whatever the session token says", async () => {
    await createUser({ email: "other-admin@example.com", password: "password-123456", role: "admin" });
    const admin = await createUser({ email: "a@example.com", password: "password-123456", role: "admin" });
    session.userId = admin.id;
    await expect(requirePermission("users.manage")).resolves.toBeTruthy();
    await setUserRole(admin.id, "operator");
    await expect(requirePermission("users.manage")).rejects.toMatchObject({ reason: "forbidden" });
  });

  it("treats a disabled account as signed out, and re-enabling does not revive the old session", async () => {
    const user = await createUser({ email: "d@example.com", password: "password-123456", role: "operator" });
    session.userId = user.id;
    await setUserDisabled(user.id, true);
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
    await setUserDisabled(user.id, false);
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
    session.generation = 1; // a session issued after re-enabling
    await expect(requirePermission("devices.view")).resolves.toMatchObject({ id: user.id });
  });

  it("ends older sessions when the password changes or the user signs out everywhere", async () => {
    const user = await createUser({ email: "e@example.com", password: "password-123456", role: "support" });
    session.userId = user.id;
    await expect(requirePermission("devices.view")).resolves.toBeTruthy();
    await setUserPassword(user.id, "another-password-123");
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
    session.generation = 1;
    await expect(requirePermission("devices.view")).resolves.toBeTruthy();
    await endUserSessions(user.id);
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
  });
});
