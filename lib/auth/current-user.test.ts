import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  createUser,
  endUserSessions,
  setUserDisabled,
  setUserPassword,
  setUserRole,
} from "@/lib/users/store";
import { truncate } from "@/tests/support/db";
import { signOut, useSessionOf } from "@/tests/support/session";

vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));

const { requirePermission, AccessDeniedError } = await import("./current-user");

describe("requirePermission", () => {
  beforeEach(async () => {
    await truncate("audit_log", "users");
    signOut();
  });

  it("refuses a request without a session as unauthenticated", async () => {
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
  });

  it("refuses a support user an administrator's permission", async () => {
    const support = await createUser({
      email: "s@example.com",
      password: "password-123456",
      role: "support",
    });
    useSessionOf(support);
    await expect(requirePermission("devices.view")).resolves.toMatchObject({
      id: support.id,
      role: "support",
    });
    await expect(requirePermission("users.manage")).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("applies a demotion on the very next call, whatever the session token says", async () => {
    await createUser({ email: "other-admin@example.com", password: "password-123456", role: "admin" });
    const admin = await createUser({ email: "a@example.com", password: "password-123456", role: "admin" });
    useSessionOf(admin);
    await expect(requirePermission("users.manage")).resolves.toBeTruthy();
    await setUserRole(admin.id, "operator");
    await expect(requirePermission("users.manage")).rejects.toMatchObject({ reason: "forbidden" });
  });

  it("treats a disabled account as signed out, and re-enabling does not revive the old session", async () => {
    const user = await createUser({ email: "d@example.com", password: "password-123456", role: "operator" });
    useSessionOf(user);
    await setUserDisabled(user.id, true);
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
    await setUserDisabled(user.id, false);
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
    useSessionOf(user, 1); // a session issued after re-enabling
    await expect(requirePermission("devices.view")).resolves.toMatchObject({ id: user.id });
  });

  it("ends older sessions when the password changes or the user signs out everywhere", async () => {
    const user = await createUser({ email: "e@example.com", password: "password-123456", role: "support" });
    useSessionOf(user);
    await expect(requirePermission("devices.view")).resolves.toBeTruthy();
    await setUserPassword(user.id, "another-password-123");
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
    useSessionOf(user, 1);
    await expect(requirePermission("devices.view")).resolves.toBeTruthy();
    await endUserSessions(user.id);
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
  });
});
