/** Every permission in the product, and which role holds it (docs/design.md §3). Read by the UI and the server alike. */
export const PERMISSIONS = [
  "integration.view",
  "integration.manage",
  "devices.view",
  "devices.manage",
  "devices.provision",
  "devices.check-hub",
  "users.manage",
  "audit.view",
  "registrations.view",
  "registrations.reconcile",
  "registrations.delete",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ["admin", "operator", "support"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Administrator",
  operator: "Operator",
  support: "Support",
};

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  operator: [
    "integration.view",
    "devices.view",
    "devices.manage",
    "devices.provision",
    "devices.check-hub",
    "registrations.view",
    "registrations.reconcile",
    "registrations.delete",
  ],
  support: ["integration.view", "devices.view", "audit.view", "registrations.view"],
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
