/**
 * A device's hub status: what the last check of its assigned hub, done as the device, found. The
 * one list the database enum, the filters, the counts and the engine use. No imports, so the schema,
 * the engine and (through lib/devices) the browser can all load it.
 */
export const HUB_STATUSES = ["unchecked", "connected", "refused", "unreachable"] as const;
export type HubStatus = (typeof HUB_STATUSES)[number];

export const HUB_STATUS_LABELS: Record<HubStatus, string> = {
  unchecked: "Not checked yet",
  connected: "Connected",
  refused: "Refused",
  unreachable: "Unreachable",
};

export function zeroCountsByHubStatus(): Record<HubStatus, number> {
  return Object.fromEntries(HUB_STATUSES.map((status) => [status, 0])) as Record<HubStatus, number>;
}

export function isHubStatus(value: unknown): value is HubStatus {
  return typeof value === "string" && (HUB_STATUSES as readonly string[]).includes(value);
}
