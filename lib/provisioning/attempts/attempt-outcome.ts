import type { RegisterResult } from "@/lib/dps";
import type { DeviceStatus } from "@/db/schema/device-statuses";
import type { AttemptErrorKind } from "../types";

export type RetrySettings = { maxAttempts: number; retryBaseMs: number; retryMaxMs: number };

/** What an attempt's result means for the device and its history row. Pure, so it is tested without I/O. */
export type AttemptVerdict = {
  /** provisioning_history.outcome: assigned | failed | disabled (final) or retrying. */
  outcome: "assigned" | "failed" | "disabled" | "retrying";
  status: DeviceStatus;
  hub: string | null;
  dpsDeviceId: string | null;
  substatus: string | null;
  etag: string | null;
  dpsCreatedAt: Date | null;
  dpsUpdatedAt: Date | null;
  operationId: string | null;
  errorKind: AttemptErrorKind | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** Set when another attempt is due (outcome `retrying`). */
  retryInMs: number | null;
};

export const FINAL_OUTCOMES = ["assigned", "failed", "disabled"] as const;
export const FAILED_OUTCOMES = ["failed", "disabled"] as const;

/**
 * Throttling, server errors, resets, timeouts and unreachable hosts pass; a refused key, a missing
 * ID Scope, a bad request, a certificate DPS's host cannot prove, or a DPS verdict do not change
 * by themselves, so they are reported instead of retried.
 */
export function isRetryable(result: RegisterResult): boolean {
  switch (result.kind) {
    case "throttled":
    case "transient":
      return true;
    case "unreachable":
      return result.cause !== "tls";
    default:
      return false;
  }
}

/** Capped exponential backoff with equal jitter, never sooner than DPS's Retry-After. */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | null,
  settings: RetrySettings,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  const backoff = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.max(backoff, retryAfterMs ?? 0));
}

function parseDate(text: string | null): Date | null {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

const none = {
  hub: null,
  dpsDeviceId: null,
  substatus: null,
  etag: null,
  dpsCreatedAt: null,
  dpsUpdatedAt: null,
} as const;

/** Maps one DPS register result (never `aborted`: the caller releases those) to what we store. */
export function judgeAttempt(
  result: Exclude<RegisterResult, { kind: "aborted" }>,
  attempt: number,
  settings: RetrySettings,
  random?: () => number,
): AttemptVerdict {
  if (result.kind === "assigned") {
    return {
      outcome: "assigned",
      status: "assigned",
      hub: result.assignedHub,
      dpsDeviceId: result.deviceId,
      substatus: result.substatus,
      etag: result.etag,
      dpsCreatedAt: parseDate(result.createdDateTimeUtc),
      dpsUpdatedAt: parseDate(result.lastUpdatedDateTimeUtc),
      operationId: result.operationId,
      errorKind: null,
      errorCode: null,
      errorMessage: null,
      retryInMs: null,
    };
  }
  if (result.kind === "failed" || result.kind === "disabled") {
    return {
      ...none,
      outcome: result.kind,
      status: result.kind,
      operationId: result.operationId,
      errorKind: result.kind,
      errorCode: result.errorCode === null ? null : String(result.errorCode),
      errorMessage:
        result.errorMessage ??
        (result.kind === "disabled"
          ? "The enrollment is disabled in DPS."
          : "DPS could not assign the device."),
      retryInMs: null,
    };
  }
  const errorCode =
    result.dpsErrorCode ?? result.httpStatus ?? ("networkCode" in result ? result.networkCode : null);
  const retry = isRetryable(result) && attempt < settings.maxAttempts;
  const retryAfterMs = "retryAfterMs" in result ? result.retryAfterMs : null;
  return {
    ...none,
    outcome: retry ? "retrying" : "failed",
    status: retry ? "pending" : "failed",
    operationId: null,
    errorKind: result.kind,
    errorCode: errorCode === null ? null : String(errorCode),
    errorMessage:
      isRetryable(result) && !retry ? `Gave up after ${attempt} attempts. ${result.message}` : result.message,
    retryInMs: retry ? retryDelayMs(attempt, retryAfterMs, settings, random) : null,
  };
}

/** One sentence for the person who asked (a toast); the UI adds the explanation and next step. */
export function describeVerdict(verdict: AttemptVerdict, previousHub: string | null): string {
  switch (verdict.outcome) {
    case "assigned":
      return previousHub && previousHub !== verdict.hub
        ? `Provisioned onto ${verdict.hub} (moved from ${previousHub}).`
        : `Provisioned onto ${verdict.hub}.`;
    case "disabled":
      return `DPS refused the device: ${verdict.errorMessage}`;
    case "failed":
      return verdict.errorKind === "failed"
        ? `DPS could not assign the device: ${verdict.errorMessage}`
        : `The call to DPS failed (${verdict.errorKind}): ${verdict.errorMessage}`;
    case "retrying":
      return `The call to DPS failed (${verdict.errorKind}); another attempt is queued.`;
  }
}
