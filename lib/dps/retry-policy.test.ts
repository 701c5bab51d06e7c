import { describe, expect, it } from "vitest";
import { abortedFailure, failureFromNetworkError, transientFailure } from "./errors";
import { decideRetry, DEFAULT_RETRY_POLICY, pollDelayMs, retryAfterMsFromHeaders } from "./retry-policy";
import type { DpsFailure } from "./types";

const evidence = { dpsErrorCode: null, trackingId: null, message: "m" };
const http = (kind: "unauthorized" | "not-found" | "bad-request", httpStatus: number): DpsFailure => ({
  kind,
  httpStatus,
  ...evidence,
});
const throttled = (retryAfterMs: number | null): DpsFailure => ({
  kind: "throttled",
  httpStatus: 429,
  ...evidence,
  retryAfterMs,
});
const http5xx = (httpStatus: number, retryAfterMs: number | null = null): DpsFailure => ({
  kind: "transient",
  cause: "http-5xx",
  httpStatus,
  ...evidence,
  retryAfterMs,
  networkCode: null,
});
const network = (code: string) =>
  failureFromNetworkError(new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) }));

const half = () => 0.5;
const policy = DEFAULT_RETRY_POLICY;

describe("decideRetry", () => {
  it.each([
    ["401", http("unauthorized", 401)],
    ["404", http("not-found", 404)],
    ["400", http("bad-request", 400)],
    ["403", http("bad-request", 403)],
    ["409", http("bad-request", 409)],
    ["412", http("bad-request", 412)],
    ["501", http5xx(501)],
    ["505", http5xx(505)],
    ["a TLS error", network("DEPTH_ZERO_SELF_SIGNED_CERT")],
    ["an unknown host (ENOTFOUND)", network("ENOTFOUND")],
    ["a caller abort", abortedFailure()],
  ])("never retries %s", (_case, failure) => {
    expect(decideRetry(failure, 1, policy, half)).toEqual({ retry: false });
  });

  it.each([
    ["429", throttled(null)],
    ["500", http5xx(500)],
    ["502", http5xx(502)],
    ["503", http5xx(503)],
    ["504", http5xx(504)],
    ["408", transientFailure("timeout", "408", { httpStatus: 408 })],
    ["a reset", network("ECONNRESET")],
    ["a request timeout", transientFailure("timeout", "slow")],
    ["a malformed body", transientFailure("malformed", "junk")],
  ])("retries %s up to maxAttempts", (_case, failure) => {
    for (let attempt = 1; attempt < policy.maxAttempts; attempt += 1) {
      expect(decideRetry(failure, attempt, policy, half).retry).toBe(true);
    }
    expect(decideRetry(failure, policy.maxAttempts, policy, half)).toEqual({ retry: false });
  });

  it.each([
    ["refused", network("ECONNREFUSED")],
    ["DNS EAI_AGAIN", network("EAI_AGAIN")],
    ["no route", network("EHOSTUNREACH")],
  ])("retries %s only a couple of times", (_case, failure) => {
    expect(decideRetry(failure, 1, policy, half).retry).toBe(true);
    expect(decideRetry(failure, 2, policy, half).retry).toBe(true);
    expect(decideRetry(failure, 3, policy, half)).toEqual({ retry: false });
  });

  it("backs off exponentially with equal jitter and a cap", () => {
    const failure = http5xx(503);
    const wide = { ...policy, maxAttempts: 10 };
    const delays = (random: () => number) =>
      [1, 2, 3, 4, 5, 6, 7].map((attempt) => {
        const decision = decideRetry(failure, attempt, wide, random);
        return decision.retry ? decision.delayMs : null;
      });
    expect(delays(() => 0)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    expect(delays(() => 0.999_999)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it("waits at least what the server asked for", () => {
    expect(decideRetry(throttled(7_000), 1, policy, half)).toEqual({ retry: true, delayMs: 7_000 });
    expect(decideRetry(http5xx(503, 12_000), 2, policy, half)).toEqual({ retry: true, delayMs: 12_000 });
    expect(decideRetry(throttled(100), 3, policy, half)).toEqual({ retry: true, delayMs: 3_000 });
  });

  it("hands a pause longer than maxRetryAfterMs back to the caller instead of sleeping", () => {
    expect(decideRetry(throttled(policy.maxRetryAfterMs + 1), 1, policy, half)).toEqual({ retry: false });
  });
});

describe("retryAfterMsFromHeaders", () => {
  const now = Date.UTC(2024, 4, 1, 10, 0, 0);
  const headers = (values: Record<string, string>) => new Headers(values);

  it("reads Retry-After in seconds", () => {
    expect(retryAfterMsFromHeaders(headers({ "Retry-After": "3" }), now)).toBe(3_000);
  });

  it("reads Retry-After as an HTTP date", () => {
    const date = new Date(now + 15_000).toUTCString();
    expect(retryAfterMsFromHeaders(headers({ "Retry-After": date }), now)).toBe(15_000);
    expect(
      retryAfterMsFromHeaders(headers({ "Retry-After": new Date(now - 5_000).toUTCString() }), now),
    ).toBe(0);
  });

  it("prefers retry-after-ms and x-ms-retry-after-ms", () => {
    expect(retryAfterMsFromHeaders(headers({ "retry-after-ms": "1500", "Retry-After": "9" }), now)).toBe(
      1_500,
    );
    expect(retryAfterMsFromHeaders(headers({ "x-ms-retry-after-ms": "250" }), now)).toBe(250);
  });

  it("ignores absent or garbled values", () => {
    expect(retryAfterMsFromHeaders(headers({}), now)).toBeNull();
    expect(retryAfterMsFromHeaders(headers({ "Retry-After": "soon" }), now)).toBeNull();
    expect(retryAfterMsFromHeaders(headers({ "retry-after-ms": "-5" }), now)).toBeNull();
  });
});

describe("pollDelayMs", () => {
  it("defaults to 2 s and keeps Retry-After within 1..60 s", () => {
    expect(pollDelayMs(null)).toBe(2_000);
    expect(pollDelayMs(3_000)).toBe(3_000);
    expect(pollDelayMs(0)).toBe(1_000);
    expect(pollDelayMs(600_000)).toBe(60_000);
  });
});
