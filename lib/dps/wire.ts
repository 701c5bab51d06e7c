import { REGISTRATION_STATUSES, type RegistrationStatus } from "./types";

/**
 * Readers for DPS response bodies. Optional fields of the wrong type are read as absent rather than
 * failing the whole response: only the fields the outcome depends on can make a body malformed.
 */

export type WireRegistrationState = {
  registrationId: string | null;
  status: RegistrationStatus | null;
  substatus: string | null;
  assignedHub: string | null;
  deviceId: string | null;
  etag: string | null;
  createdDateTimeUtc: string | null;
  lastUpdatedDateTimeUtc: string | null;
  errorCode: number | null;
  errorMessage: string | null;
  payload: unknown;
};

export type WireOperationStatus = {
  operationId: string | null;
  status: RegistrationStatus;
  registrationState: WireRegistrationState | null;
};

export type WireErrorBody = { errorCode: number | null; trackingId: string | null; message: string | null };

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-empty string, or null: a field of the wrong type reads as absent. */
export function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function integer(value: unknown): number | null {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d{1,15}$/.test(value)) return Number(value);
  return null;
}

function status(value: unknown): RegistrationStatus | null {
  return REGISTRATION_STATUSES.find((known) => known === value) ?? null;
}

export function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

export function readRegistrationState(value: unknown): WireRegistrationState | null {
  if (!isRecord(value)) return null;
  return {
    registrationId: text(value.registrationId),
    status: status(value.status),
    substatus: text(value.substatus),
    assignedHub: text(value.assignedHub),
    deviceId: text(value.deviceId),
    etag: text(value.etag),
    createdDateTimeUtc: text(value.createdDateTimeUtc),
    lastUpdatedDateTimeUtc: text(value.lastUpdatedDateTimeUtc),
    errorCode: integer(value.errorCode),
    errorMessage: text(value.errorMessage),
    payload: value.payload ?? null,
  };
}

export function readOperationStatus(value: unknown): WireOperationStatus | null {
  if (!isRecord(value)) return null;
  const operationStatus = status(value.status);
  if (operationStatus === null) return null;
  return {
    operationId: text(value.operationId),
    status: operationStatus,
    registrationState: readRegistrationState(value.registrationState),
  };
}

/** DPS errors are `{errorCode, trackingId, message, timestampUtc}`; gateways in front of it may send anything. */
export function readErrorBody(body: string): WireErrorBody {
  const parsed = parseJson(body);
  if (!parsed.ok || !isRecord(parsed.value)) return { errorCode: null, trackingId: null, message: null };
  const value = parsed.value;
  return {
    errorCode: integer(value.errorCode ?? value.ErrorCode),
    trackingId: text(value.trackingId ?? value.TrackingId),
    message: text(value.message ?? value.Message),
  };
}
