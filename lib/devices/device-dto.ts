import type { DeviceRow, ProvisioningHistoryRow } from "@/db/schema";
import type { DeviceStatus } from "./device-statuses";
import type { HubStatus } from "./hub-statuses";

/** A device as every screen sees it: no lease or attempt bookkeeping. */
export type DeviceDto = {
  id: number;
  registrationId: string;
  name: string | null;
  status: DeviceStatus;
  assignedHub: string | null;
  dpsDeviceId: string | null;
  substatus: string | null;
  lastErrorKind: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  attemptCount: number;
  nextRetryAt: string | null;
  updatedAt: string;
  /** What the last check of the assigned hub, done as the device, found. */
  hubStatus: HubStatus;
  /** The hub that check went to, and when. */
  hubCheckedHub: string | null;
  hubCheckedAt: string | null;
  /** Refused: the CONNACK code or twin status; Unreachable: the network error's code. */
  hubErrorCode: string | null;
  hubErrorMessage: string | null;
  hubNextStep: string | null;
  /** A check is due or under way (after an assignment, or waiting for the hub). */
  hubCheckPending: boolean;
};

export type DeviceDetailDto = DeviceDto & {
  payload: Record<string, unknown> | null;
  etag: string | null;
  dpsCreatedAt: string | null;
  dpsUpdatedAt: string | null;
  lastOperationId: string | null;
  createdAt: string;
  createdByEmail: string | null;
};

export type HistoryEntryDto = {
  id: number;
  startedAt: string;
  finishedAt: string;
  trigger: string;
  operationId: string | null;
  outcome: string;
  hub: string | null;
  previousHub: string | null;
  hubChanged: boolean;
  substatus: string | null;
  errorKind: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  durationMs: number;
  keyUsed: string | null;
  triggeredByEmail: string | null;
};

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toDeviceDto(row: DeviceRow): DeviceDto {
  return {
    id: row.id,
    registrationId: row.registrationId,
    name: row.name,
    status: row.status,
    assignedHub: row.assignedHub,
    dpsDeviceId: row.dpsDeviceId,
    substatus: row.substatus,
    lastErrorKind: row.lastErrorKind,
    lastErrorCode: row.lastErrorCode,
    lastErrorMessage: row.lastErrorMessage,
    attemptCount: row.attemptCount,
    nextRetryAt: iso(row.nextRetryAt),
    updatedAt: row.updatedAt.toISOString(),
    hubStatus: row.hubStatus,
    hubCheckedHub: row.hubCheckedHub,
    hubCheckedAt: iso(row.hubCheckedAt),
    hubErrorCode: row.hubErrorCode,
    hubErrorMessage: row.hubErrorMessage,
    hubNextStep: row.hubNextStep,
    hubCheckPending: row.hubCheckDueAt !== null,
  };
}

export function toDeviceDetailDto(row: DeviceRow): DeviceDetailDto {
  return {
    ...toDeviceDto(row),
    payload: row.payload ?? null,
    etag: row.etag,
    dpsCreatedAt: iso(row.dpsCreatedAt),
    dpsUpdatedAt: iso(row.dpsUpdatedAt),
    lastOperationId: row.lastOperationId,
    createdAt: row.createdAt.toISOString(),
    createdByEmail: row.createdByEmail,
  };
}

export function toHistoryEntryDto(row: ProvisioningHistoryRow): HistoryEntryDto {
  return {
    id: row.id,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt.toISOString(),
    trigger: row.trigger,
    operationId: row.operationId,
    outcome: row.outcome,
    hub: row.hub,
    previousHub: row.previousHub,
    hubChanged: Boolean(row.hub && row.previousHub && row.hub !== row.previousHub),
    substatus: row.substatus,
    errorKind: row.errorKind,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    durationMs: row.durationMs,
    keyUsed: row.keyUsed,
    triggeredByEmail: row.triggeredByEmail,
  };
}
