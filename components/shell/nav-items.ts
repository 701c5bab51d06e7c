import type { Permission } from "@/lib/auth/permissions";

export type NavItem = { href: string; label: string; permission: Permission };
export type NavSection = { label: string | null; items: NavItem[] };

/** The navigation, each entry with the permission it needs; the shell hides what the role cannot use. */
export const NAV_SECTIONS: NavSection[] = [
  { label: null, items: [{ href: "/devices", label: "Devices", permission: "devices.view" }] },
  {
    label: "Administration",
    items: [
      {
        href: "/admin/hyperscaler-integration-center",
        label: "Hyperscaler Integration Center",
        permission: "integration.view",
      },
      { href: "/admin/users", label: "Users", permission: "users.manage" },
      { href: "/admin/audit-log", label: "Audit log", permission: "audit.view" },
    ],
  },
];

export function visibleSections(permissions: readonly Permission[]): NavSection[] {
  return NAV_SECTIONS.map((s) => ({
    ...s,
    items: s.items.filter((i) => permissions.includes(i.permission)),
  })).filter((s) => s.items.length > 0);
}
