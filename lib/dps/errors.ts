import type { HttpReply } from "./http";
import { classifyNetworkCode, findCodedError } from "@/lib/http/network-error";
import { redact } from "@/lib/http/redact";
import { retryAfterMsFromHeaders } from "./retry-policy";
import type { DpsFailure, TransientCause, UnreachableCause } from "./types";
import { readErrorBody } from "./wire";

const noEvidence = { httpStatus: null, dpsErrorCode: null, trackingId: null } as const;

export function abortedFailure(): DpsFailure {
  return { kind: "aborted", ...noEvidence, message: "The caller cancelled the DPS request." };
}

export function transientFailure(
  cause: TransientCause,
  message: string,
  details: { httpStatus?: number | null; networkCode?: string | null } = {},
): DpsFailure {
  return {
    kind: "transient",
    cause,
    ...noEvidence,
    httpStatus: details.httpStatus ?? null,
    message,
    retryAfterMs: null,
    networkCode: details.networkCode ?? null,
  };
}

/** Maps a non-2xx DPS reply to a failure kind, keeping DPS's own error code, message and tracking id. */
export function failureFromReply(reply: HttpReply, nowMs: number): DpsFailure {
  const body = readErrorBody(reply.body);
  const headerCode = Number.parseInt(reply.headers.get("x-ms-error-code") ?? "", 10);
  const evidence = {
    httpStatus: reply.status,
    dpsErrorCode: body.errorCode ?? (Number.isNaN(headerCode) ? null : headerCode),
    trackingId: body.trackingId,
    message: body.message ?? `DPS answered HTTP ${reply.status}.`,
  };
  const status = reply.status;
  if (status === 401) return { kind: "unauthorized", ...evidence };
  if (status === 404) return { kind: "not-found", ...evidence };
  if (status === 429) {
    return { kind: "throttled", ...evidence, retryAfterMs: retryAfterMsFromHeaders(reply.headers, nowMs) };
  }
  if (status === 408 || status >= 500) {
    return {
      kind: "transient",
      cause: status === 408 ? "timeout" : "http-5xx",
      ...evidence,
      retryAfterMs: retryAfterMsFromHeaders(reply.headers, nowMs),
      networkCode: null,
    };
  }
  if (status >= 300 && status < 400) {
    return {
      kind: "bad-request",
      ...evidence,
      message: `DPS answered with a redirect (HTTP ${status}), which is not followed.`,
    };
  }
  return { kind: "bad-request", ...evidence };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps a failed fetch (no HTTP reply) to `unreachable` or `transient` by its system error code. */
export function failureFromNetworkError(error: unknown): DpsFailure {
  const coded = findCodedError(error);
  if (!coded) return transientFailure("network", `Network error: ${describe(error)}`);
  const { code } = coded;
  const message = `${code}: ${coded.message}`;
  const unreachable = (cause: UnreachableCause): DpsFailure => ({
    kind: "unreachable",
    cause,
    ...noEvidence,
    message,
    networkCode: code,
  });
  switch (classifyNetworkCode(code)) {
    case "dns":
      return unreachable("dns");
    case "refused":
      return unreachable("refused");
    case "no-route":
      return unreachable("no-route");
    case "tls":
      return unreachable("tls");
    case "reset":
      return transientFailure("reset", message, { networkCode: code });
    case "timeout":
      return transientFailure("timeout", message, { networkCode: code });
  }
  return transientFailure("network", message, { networkCode: code });
}

export { redact };
