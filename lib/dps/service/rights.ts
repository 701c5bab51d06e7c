/**
 * The rights a DPS shared access policy can grant on the service API (docs/dps-protocol.md §8.2).
 * The data plane has no call that lists a policy's rights, so the app learns them by probing
 * (lib/dps/service/probe.ts). Browser-safe.
 */
export const SERVICE_RIGHTS = [
  "enrollmentRead",
  "enrollmentWrite",
  "registrationStatusRead",
  "registrationStatusWrite",
] as const;
export type ServiceRight = (typeof SERVICE_RIGHTS)[number];

/** As the Azure portal's policy page names them. */
export const SERVICE_RIGHT_LABELS: Record<ServiceRight, string> = {
  enrollmentRead: "Enrollment read",
  enrollmentWrite: "Enrollment write",
  registrationStatusRead: "Registration status read",
  registrationStatusWrite: "Registration status write",
};

/** What the app needs the policy for, and which right each use takes. */
export const SERVICE_RIGHT_USES: Partial<Record<ServiceRight, string>> = {
  enrollmentRead: "show the enrollment group's settings and find the group from its key",
  registrationStatusRead: "read the group's registration records for reconciliation",
  registrationStatusWrite: "delete registration records (orphans, and when removing a device)",
};

export function isServiceRight(value: unknown): value is ServiceRight {
  return (SERVICE_RIGHTS as readonly unknown[]).includes(value);
}
