import { describe, expect, it } from "vitest";
import { hasPermission, PERMISSIONS, ROLE_PERMISSIONS } from "./permissions";

describe("role permissions (docs/design.md §3)", () => {
  it("gives administrators every permission", () => {
    for (const p of PERMISSIONS) expect(hasPermission("admin", p)).toBe(true);
  });

  it("lets operators work with devices (checking their hub connection too) and registration records but not manage the integration, users or read the audit log", () => {
    expect(ROLE_PERMISSIONS.operator).toEqual([
      "integration.view",
      "devices.view",
      "devices.manage",
      "devices.provision",
      "devices.check-hub",
      "registrations.view",
      "registrations.reconcile",
      "registrations.delete",
    ]);
  });

  it("lets support staff view devices, registration records, the integration and the audit log, and change nothing", () => {
    expect(ROLE_PERMISSIONS.support).toEqual([
      "integration.view",
      "devices.view",
      "audit.view",
      "registrations.view",
    ]);
    for (const p of [
      "integration.manage",
      "devices.manage",
      "devices.provision",
      "devices.check-hub",
      "users.manage",
      "registrations.reconcile",
      "registrations.delete",
    ] as const) {
      expect(hasPermission("support", p)).toBe(false);
    }
  });
});
