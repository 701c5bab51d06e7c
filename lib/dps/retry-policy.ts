import { backoffDelayMs, retryAfterMsFromHeaders } from "@/lib/http/retry-after";
import type { DpsFailure } from "./types";

export type RetryPolicy = {
  /** Requests per step, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** DNS hiccups and refused connections usually mean a wrong host, so they get fewer tries. */
  maxUnreachableAttempts: number;
  /** A server asking for a longer pause than this is handed back to the caller to reschedule. */
  maxRetryAfterMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxUnreachableAttempts: 3,
  maxRetryAfterMs: 60_000,
};

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

export { retryAfterMsFromHeaders };

/** Not-implemented and unsupported-HTTP-version answers will not change on a retry. */
const PERMANENT_5XX = new Set([501, 505]);

function isRetryable(failure: DpsFailure, attempt: number, policy: RetryPolicy): boolean {
  switch (failure.kind) {
    case "throttled":
      return true;
    case "transient":
      return !(failure.httpStatus !== null && PERMANENT_5XX.has(failure.httpStatus));
    case "unreachable": {
      if (attempt >= policy.maxUnreachableAttempts) return false;
      if (failure.cause === "refused" || failure.cause === "no-route") return true;
      // ENOTFOUND is a definite "no such name"; EAI_AGAIN is the resolver failing to answer.
      return failure.cause === "dns" && failure.networkCode === "EAI_AGAIN";
    }
    case "unauthorized":
    case "not-found":
    case "bad-request":
    case "aborted":
      return false;
  }
}

/**
 * Capped exponential backoff with equal jitter (half fixed, half random, so retries never bunch at
 * zero), never shorter than what the server asked for. `attempt` is the number of requests already
 * made for this step.
 */
export function decideRetry(
  failure: DpsFailure,
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
): RetryDecision {
  if (attempt >= policy.maxAttempts || !isRetryable(failure, attempt, policy)) return { retry: false };
  const requested =
    failure.kind === "throttled" || failure.kind === "transient" ? failure.retryAfterMs : null;
  if (requested !== null && requested > policy.maxRetryAfterMs) return { retry: false };
  return { retry: true, delayMs: backoffDelayMs(attempt, policy, random, requested) };
}

export const POLL_DELAY_DEFAULT_MS = 2_000;
export const POLL_DELAY_MIN_MS = 1_000;
export const POLL_DELAY_MAX_MS = 60_000;

/** The wait before the next operation poll; bounds guard against a zero or absurd `Retry-After`. */
export function pollDelayMs(retryAfterMs: number | null): number {
  const wanted = retryAfterMs ?? POLL_DELAY_DEFAULT_MS;
  return Math.min(POLL_DELAY_MAX_MS, Math.max(POLL_DELAY_MIN_MS, wanted));
}
