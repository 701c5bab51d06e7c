import type { HttpReply } from "./http";
import { retryAfterMsFromHeaders } from "./retry-policy";
import type { DpsFailure, TransientCause, UnreachableCause } from "./types";
import { readErrorBody } from "./wire";

const MAX_MESSAGE_LENGTH = 500;

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

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"]);
const REFUSED_CODES = new Set(["ECONNREFUSED"]);
const NO_ROUTE_CODES = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL"]);
const RESET_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_ABORTED",
]);
const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
/** OpenSSL verification codes and Node's TLS errors: a certificate problem no retry will fix. */
const TLS_CODE =
  /^(?:ERR_TLS_|ERR_SSL_|EPROTO$)|CERT|SELF_SIGNED|UNABLE_TO_(?:VERIFY|GET|DECRYPT)|HOSTNAME_MISMATCH/;

type CodedError = { code: string; message: string };

/** undici wraps the socket error as `TypeError("fetch failed", { cause })`, sometimes as an AggregateError of attempts. */
function findCodedError(error: unknown, depth = 0): CodedError | null {
  if (depth > 5 || typeof error !== "object" || error === null) return null;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  const inner = findCodedError(cause, depth + 1);
  if (inner) return inner;
  if (Array.isArray(errors)) {
    for (const each of errors) {
      const found = findCodedError(each, depth + 1);
      if (found) return found;
    }
  }
  if (typeof code === "string") return { code, message: typeof message === "string" ? message : code };
  return null;
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
  if (DNS_CODES.has(code)) return unreachable("dns");
  if (REFUSED_CODES.has(code)) return unreachable("refused");
  if (NO_ROUTE_CODES.has(code)) return unreachable("no-route");
  if (TLS_CODE.test(code)) return unreachable("tls");
  if (RESET_CODES.has(code)) return transientFailure("reset", message, { networkCode: code });
  if (TIMEOUT_CODES.has(code)) return transientFailure("timeout", message, { networkCode: code });
  return transientFailure("network", message, { networkCode: code });
}

/**
 * Removes secrets from text we keep (messages from DPS, proxies or network errors could echo a
 * header), in raw and URL-encoded form, and bounds its length.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      clean = clean.split(form).join("[redacted]");
  }
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH)}…` : clean;
}
