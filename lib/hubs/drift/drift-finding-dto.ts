import type { HubDriftKind } from "@/db/schema/hub-drift";

export type { HubDriftKind };

/** One row of the Hub drift view: a hub, a device identity (or the one it should have), and what both sides say. */
export type DriftFindingDto = {
  /** Stable per row within a run (hub, device, case): the table's key. */
  key: string;
  kind: HubDriftKind;
  hubHost: string;
  deviceId: string;
  registrationId: string | null;
  /** The platform's device (a link to it), when there is one. */
  devicePk: number | null;
  platformHub: string | null;
  dpsHub: string | null;
  identityStatus: string | null;
  statusReason: string | null;
  lastActivityAt: string | null;
};

export const DRIFT_KIND_LABELS: Record<HubDriftKind, string> = {
  missing: "No identity in the hub",
  disabled: "Identity disabled",
  orphan: "Orphan identity",
  "device-id-differs": "Device ID differs",
  stale: "Stale identity",
};

/** What to do about each case, in a line, for the table and the user guide. */
export const DRIFT_KIND_HINTS: Record<HubDriftKind, string> = {
  missing: "Re-provision the device: DPS creates its identity again in the hub it assigns.",
  disabled:
    "Enable the identity in the hub if the device should connect (or remove the device if it was blocked on purpose).",
  orphan: "Neither DPS nor the platform knows it: delete it in the hub unless something else uses it.",
  "device-id-differs":
    "The hub knows the device by another ID than its registration ID: check the enrollment's device ID.",
  stale: "The device now lives in another hub: delete this identity so it cannot connect here.",
};
