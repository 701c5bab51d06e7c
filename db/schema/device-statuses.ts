/**
 * A device's provisioning status: the one list the database enum, the filters, the counts and
 * the engine all use. No imports, so the schema, the engine and (through lib/devices) the browser
 * can all load it.
 */
export const DEVICE_STATUSES = ["pending", "assigning", "assigned", "failed", "disabled"] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** A count per status, every status present (at 0), for tallies. */
export function zeroCountsByStatus(): Record<DeviceStatus, number> {
  return Object.fromEntries(DEVICE_STATUSES.map((status) => [status, 0])) as Record<DeviceStatus, number>;
}
