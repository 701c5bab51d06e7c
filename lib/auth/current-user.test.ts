import { beforeEach, describe, expect, it, vi } from "vitest";
import { createUser, setUserDisabled, setUserRole } from "@/lib/users/store";
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
    const support = await createUser({ email: "s@example.com", password: "password-123456", role: "support" });
    useSessionOf(support);
    await expect(requirePermission("devices.view")).resolves.toMatchObject({ id: support.id, role: "support" });
    await expect(requirePermission("users.manage")).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("applies a demotion on the very next call, whatever the session token says", async () => {
    const admin = await createUser({ email: "a@example.com", password: "password-123456", role: "admin" });
    useSessionOf(admin);
    await expect(requirePermission("users.manage")).resolves.toBeTruthy();
    await setUserRole(admin.id, "operator");
    await expect(requirePermission("users.manage")).rejects.toMatchObject({ reason: "forbidden" });
  });

  it("treats a disabled account as signed out", async () => {
    const user = await createUser({ email: "d@example.com", password: "password-123456", role: "admin" });
    useSessionOf(user);
    await setUserDisabled(user.id, true);
    await expect(requirePermission("devices.view")).rejects.toMatchObject({ reason: "unauthenticated" });
  });
});
