import { describe, expect, it } from "vitest";
import type { RegisterResult } from "@/lib/dps";
import { isRetryable, judgeAttempt, retryDelayMs } from "./attempt-outcome";

const settings = { maxAttempts: 6, retryBaseMs: 1_000, retryMaxMs: 60_000 };
const stats = { attempts: 1, durationMs: 10 };
const evidence = { httpStatus: null, dpsErrorCode: null, trackingId: null };

const throttled: RegisterResult = {
  kind: "throttled",
  ...evidence,
  httpStatus: 429,
  message: "Too many requests",
  retryAfterMs: 20_000,
  ...stats,
};
const unauthorized: RegisterResult = {
  kind: "unauthorized",
  ...evidence,
  httpStatus: 401,
  dpsErrorCode: 401002,
  message: "Unauthorized",
  ...stats,
};
const reset: RegisterResult = {
  kind: "transient",
  cause: "reset",
  ...evidence,
  message: "ECONNRESET",
  retryAfterMs: null,
  networkCode: "ECONNRESET",
  ...stats,
};
const tls: RegisterResult = {
  kind: "unreachable",
  cause: "tls",
  ...evidence,
  message: "self-signed",
  networkCode: "DEPTH_ZERO_SELF_SIGNED_CERT",
  ...stats,
};
const refused: RegisterResult = {
  kind: "unreachable",
  cause: "refused",
  ...evidence,
  message: "ECONNREFUSED",
  networkCode: "ECONNREFUSED",
  ...stats,
};

describe("judging an attempt", () => {
  it("retries throttling, server errors, resets and unreachable hosts, but not a refused key or an untrusted certificate", () => {
    expect([throttled, reset, refused].every(isRetryable)).toBe(true);
    expect([unauthorized, tls].some(isRetryable)).toBe(false);
  });

  it("stores an assignment with its hub, substatus and DPS timestamps", () => {
    const verdict = judgeAttempt(
      {
        kind: "assigned",
        operationId: "op",
        registrationId: "d1",
        assignedHub: "hub-a.azure-devices.net",
        deviceId: "d1",
        substatus: "initialAssignment",
        etag: "e",
        createdDateTimeUtc: "2026-01-01T00:00:00.1234567Z",
        lastUpdatedDateTimeUtc: "2026-01-01T00:00:01Z",
        payload: undefined,
        httpStatus: 200,
        dpsErrorCode: null,
        message: null,
        trackingId: null,
        ...stats,
      },
      1,
      settings,
    );
    expect(verdict).toMatchObject({
      outcome: "assigned",
      status: "assigned",
      hub: "hub-a.azure-devices.net",
      substatus: "initialAssignment",
      errorKind: null,
    });
    expect(verdict.dpsCreatedAt?.toISOString()).toBe("2026-01-01T00:00:00.123Z");
  });

  it("explains a refused key at once, without a retry", () => {
    expect(judgeAttempt(unauthorized, 1, settings)).toMatchObject({
      outcome: "failed",
      status: "failed",
      errorKind: "unauthorized",
      errorCode: "401002",
      retryInMs: null,
    });
  });

  it("waits at least DPS's Retry-After before retrying throttling, and gives up after the last attempt", () => {
    const first = judgeAttempt(throttled, 1, settings, () => 0);
    expect(first).toMatchObject({
      outcome: "retrying",
      status: "pending",
      errorKind: "throttled",
      retryInMs: 20_000,
    });
    const last = judgeAttempt(throttled, 6, settings, () => 0);
    expect(last).toMatchObject({
      outcome: "failed",
      status: "failed",
      errorKind: "throttled",
      retryInMs: null,
    });
    expect(last.errorMessage).toMatch(/^Gave up after 6 attempts/);
  });

  it("backs off exponentially with jitter up to the cap", () => {
    expect(retryDelayMs(1, null, settings, () => 0)).toBe(500);
    expect(retryDelayMs(1, null, settings, () => 1)).toBe(1_000);
    expect(retryDelayMs(4, null, settings, () => 1)).toBe(8_000);
    expect(retryDelayMs(20, null, settings, () => 1)).toBe(60_000);
  });

  it("records DPS's own failed and disabled verdicts as such", () => {
    const failed = judgeAttempt(
      {
        kind: "failed",
        operationId: "op",
        registrationId: "d",
        errorCode: 400207,
        errorMessage: "Custom allocation failed",
        ...evidence,
        message: "Custom allocation failed",
        ...stats,
      },
      1,
      settings,
    );
    expect(failed).toMatchObject({
      outcome: "failed",
      status: "failed",
      errorKind: "failed",
      errorCode: "400207",
      retryInMs: null,
    });
    const disabled = judgeAttempt(
      {
        kind: "disabled",
        operationId: "op",
        registrationId: "d",
        errorCode: null,
        errorMessage: null,
        ...evidence,
        message: null,
        ...stats,
      },
      1,
      settings,
    );
    expect(disabled).toMatchObject({ outcome: "disabled", status: "disabled", errorKind: "disabled" });
  });
});
