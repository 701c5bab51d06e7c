import { webhookUrlForViewer } from "./webhook-url";
import { isRecord, readRegistrationState, text, type WireRegistrationState } from "../wire";

/**
 * The service API's bodies (docs/dps-protocol.md §8.3): the enrollment group and the device
 * registration state, as DPS sends them and as the client reads them. Readers are lenient like
 * lib/dps/wire.ts: a field of the wrong type reads as absent.
 */

export const ALLOCATION_POLICIES = ["hashed", "geoLatency", "static", "custom"] as const;
export type AllocationPolicy = (typeof ALLOCATION_POLICIES)[number];

export type ReprovisionPolicy = { updateHubAssignment: boolean; migrateDeviceData: boolean };

/** DPS's defaults when a group has no reprovision policy. */
export const DEFAULT_REPROVISION_POLICY: ReprovisionPolicy = {
  updateHubAssignment: true,
  migrateDeviceData: true,
};

/** `EnrollmentGroup` as GET /enrollmentGroups/{id} returns it, restricted to what the app uses. */
export type WireEnrollmentGroup = {
  enrollmentGroupId: string;
  attestation: {
    type: string;
    symmetricKey?: { primaryKey: string; secondaryKey: string };
  };
  iotHubHostName?: string;
  iotHubs?: string[];
  allocationPolicy?: AllocationPolicy;
  customAllocationDefinition?: { webhookUrl: string; apiVersion: string };
  reprovisionPolicy?: ReprovisionPolicy;
  provisioningStatus?: "enabled" | "disabled";
  capabilities?: { iotEdge: boolean };
  etag?: string;
  createdDateTimeUtc?: string;
  lastUpdatedDateTimeUtc?: string;
};

/** `DeviceRegistrationState` of the service API (unlike the device API's, it names no enrollment group). */
export type WireDeviceRegistrationState = {
  registrationId: string;
  createdDateTimeUtc?: string;
  assignedHub?: string;
  deviceId?: string;
  status: "unassigned" | "assigning" | "assigned" | "failed" | "disabled";
  substatus?: string;
  errorCode?: number;
  errorMessage?: string;
  lastUpdatedDateTimeUtc?: string;
  etag?: string;
  payload?: unknown;
};

/** What the client keeps of an enrollment group; the keys are there only to match a group to a key. */
export type EnrollmentGroupView = {
  enrollmentGroupId: string;
  attestationType: string;
  symmetricKeys: { primaryKey: string | null; secondaryKey: string | null } | null;
  provisioningStatus: "enabled" | "disabled" | null;
  allocationPolicy: AllocationPolicy | null;
  iotHubs: string[];
  /** For the static policy in older groups: the one hub. */
  iotHubHostName: string | null;
  reprovisionPolicy: ReprovisionPolicy | null;
  customAllocationWebhookUrl: string | null;
  etag: string | null;
  lastUpdatedDateTimeUtc: string | null;
};

function reprovisionPolicy(value: unknown): ReprovisionPolicy | null {
  if (!isRecord(value)) return null;
  return {
    updateHubAssignment:
      typeof value.updateHubAssignment === "boolean"
        ? value.updateHubAssignment
        : DEFAULT_REPROVISION_POLICY.updateHubAssignment,
    migrateDeviceData:
      typeof value.migrateDeviceData === "boolean"
        ? value.migrateDeviceData
        : DEFAULT_REPROVISION_POLICY.migrateDeviceData,
  };
}

/** Null when the value is not an enrollment group at all (no id). */
export function readEnrollmentGroup(value: unknown): EnrollmentGroupView | null {
  if (!isRecord(value)) return null;
  const enrollmentGroupId = text(value.enrollmentGroupId);
  if (enrollmentGroupId === null) return null;
  const attestation = isRecord(value.attestation) ? value.attestation : {};
  const symmetric = isRecord(attestation.symmetricKey) ? attestation.symmetricKey : null;
  const status = value.provisioningStatus;
  const policy = ALLOCATION_POLICIES.find((known) => known === value.allocationPolicy) ?? null;
  const custom = isRecord(value.customAllocationDefinition) ? value.customAllocationDefinition : null;
  return {
    enrollmentGroupId,
    attestationType: text(attestation.type) ?? "unknown",
    symmetricKeys: symmetric
      ? { primaryKey: text(symmetric.primaryKey), secondaryKey: text(symmetric.secondaryKey) }
      : null,
    provisioningStatus: status === "enabled" || status === "disabled" ? status : null,
    allocationPolicy: policy,
    iotHubs: Array.isArray(value.iotHubs)
      ? value.iotHubs.filter((hub): hub is string => typeof hub === "string" && hub !== "")
      : [],
    iotHubHostName: text(value.iotHubHostName),
    reprovisionPolicy: reprovisionPolicy(value.reprovisionPolicy),
    // Its query string usually carries the function's key: never kept, so never shown or stored.
    customAllocationWebhookUrl: custom ? webhookUrlForViewer(text(custom.webhookUrl), true) : null,
    etag: text(value.etag),
    lastUpdatedDateTimeUtc: text(value.lastUpdatedDateTimeUtc),
  };
}

/** A query page must be a JSON array; its items are read one by one, and ones without an id are dropped. */
export function readRegistrationStatePage(value: unknown): WireRegistrationState[] | null {
  if (!Array.isArray(value)) return null;
  return value
    .map(readRegistrationState)
    .filter((state): state is WireRegistrationState => state?.registrationId != null);
}

export function readEnrollmentGroupPage(value: unknown): EnrollmentGroupView[] | null {
  if (!Array.isArray(value)) return null;
  return value.map(readEnrollmentGroup).filter((group): group is EnrollmentGroupView => group !== null);
}

export type { WireRegistrationState };
