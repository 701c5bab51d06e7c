import { describe, expect, it } from "vitest";
import vectors from "./fixtures/dps-vectors.json";
import {
  assigned,
  createScriptedDps,
  dpsError,
  hang,
  jsonReply,
  networkError,
  neverSettles,
} from "../../tests/support/scripted-dps";

const connection = { idScope: "0ne00000A0A", host: "dps.example.test" };
const registration = {
  connection,
  registrationId: "device-001",
  deviceKey: vectors.deviceKeys[0]!.deviceKey,
};

describe("register: DPS refusals are typed and not retried", () => {
  it.each([
    { status: 401, errorCode: 401002, kind: "unauthorized" },
    { status: 404, errorCode: 404201, kind: "not-found" },
    { status: 400, errorCode: 400004, kind: "bad-request" },
    { status: 403, errorCode: 403000, kind: "bad-request" },
    { status: 409, errorCode: 409000, kind: "bad-request" },
    { status: 412, errorCode: 412000, kind: "bad-request" },
    { status: 415, errorCode: 415000, kind: "bad-request" },
  ])("HTTP $status → $kind after one request", async ({ status, errorCode, kind }) => {
    const dps = createScriptedDps([dpsError(status, errorCode, "Refused by DPS")]);
    const result = await dps.client.register(registration);
    expect(result).toEqual({
      kind,
      httpStatus: status,
      dpsErrorCode: errorCode,
      message: "Refused by DPS",
      trackingId: `track-${errorCode}`,
      attempts: 1,
      durationMs: 0,
    });
    expect(dps.sleeps).toEqual([]);
  });

  it("falls back to x-ms-error-code and a generic message when the body is not DPS's", async () => {
    const dps = createScriptedDps([
      jsonReply(403, "<html>Forbidden</html>", { "x-ms-error-code": "403002" }),
    ]);
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "bad-request",
      dpsErrorCode: 403002,
      message: "DPS answered HTTP 403.",
      trackingId: null,
    });
  });

  it("does not follow a redirect, which could carry the SAS token elsewhere", async () => {
    const dps = createScriptedDps([jsonReply(302, "", { Location: "https://elsewhere.example/" })]);
    const result = await dps.client.register(registration);
    expect(result).toMatchObject({ kind: "bad-request", httpStatus: 302, attempts: 1 });
    expect(result.message).toContain("redirect");
  });
});

describe("register: throttling and server errors are retried with backoff", () => {
  it("honours retry-after-ms on a 429, then succeeds", async () => {
    const dps = createScriptedDps([
      dpsError(429, 429001, "Too many requests", { "retry-after-ms": "4500" }),
      assigned(),
    ]);
    const result = await dps.client.register(registration);
    expect(result).toMatchObject({ kind: "assigned", attempts: 2 });
    expect(dps.sleeps).toEqual([4_500]);
  });

  it("honours Retry-After seconds on a 429, then succeeds", async () => {
    const dps = createScriptedDps([
      dpsError(429, 429001, "Too many requests", { "Retry-After": "10" }),
      assigned(),
    ]);
    await dps.client.register(registration);
    expect(dps.sleeps).toEqual([10_000]);
  });

  it("returns throttled with the pause DPS asked for once attempts run out", async () => {
    const dps = createScriptedDps(() => dpsError(429, 429001, "Too many requests", { "Retry-After": "3" }));
    const result = await dps.client.register(registration);
    expect(result).toMatchObject({
      kind: "throttled",
      retryAfterMs: 3_000,
      httpStatus: 429,
      dpsErrorCode: 429001,
      attempts: 5,
    });
    expect(dps.sleeps).toEqual([3_000, 3_000, 3_000, 6_000]);
  });

  it("hands back a throttle longer than maxRetryAfterMs without waiting", async () => {
    const dps = createScriptedDps([dpsError(429, 429001, "Slow down", { "Retry-After": "120" })]);
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "throttled",
      retryAfterMs: 120_000,
      attempts: 1,
    });
    expect(dps.sleeps).toEqual([]);
  });

  it("stops retrying once told to (an outage seen by others), returning the failure at once, while polls of an accepted operation go on", async () => {
    const stopRetrying = new AbortController();
    const failing = createScriptedDps((_request, index) => {
      if (index === 1) stopRetrying.abort();
      return dpsError(503, 503000, "Service unavailable");
    });
    const result = await failing.client.register({ ...registration, stopRetrying: stopRetrying.signal });
    expect(result).toMatchObject({ kind: "transient", cause: "http-5xx", attempts: 2 });

    // Already stopped: an operation in progress is still polled to its verdict.
    const polling = createScriptedDps([
      jsonReply(202, { operationId: "op-1", status: "assigning" }, { "Retry-After": "3" }),
      assigned(),
    ]);
    expect(
      await polling.client.register({ ...registration, stopRetrying: stopRetrying.signal }),
    ).toMatchObject({ kind: "assigned", attempts: 2 });
  });

  it("retries a 503, then succeeds", async () => {
    const dps = createScriptedDps([dpsError(503, 503000, "Service unavailable"), assigned()]);
    expect(await dps.client.register(registration)).toMatchObject({ kind: "assigned", attempts: 2 });
    expect(dps.sleeps).toEqual([750]);
  });

  it("gives up on repeated 5xx with the last error and the attempts made", async () => {
    const dps = createScriptedDps(() => dpsError(500, 500000, "Internal error"));
    const result = await dps.client.register(registration);
    expect(result).toMatchObject({ kind: "transient", cause: "http-5xx", httpStatus: 500, attempts: 5 });
    expect(dps.sleeps).toEqual([750, 1_500, 3_000, 6_000]);
  });

  it("respects a configured maxAttempts", async () => {
    const dps = createScriptedDps(() => dpsError(502, 0, "Bad gateway"), { retryPolicy: { maxAttempts: 2 } });
    expect(await dps.client.register(registration)).toMatchObject({ kind: "transient", attempts: 2 });
  });

  it.each([501, 505])("does not retry HTTP %i", async (status) => {
    const dps = createScriptedDps([dpsError(status, 0, "Not supported")]);
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "transient",
      cause: "http-5xx",
      attempts: 1,
    });
  });

  it("retries a 408 as a timeout", async () => {
    const dps = createScriptedDps([jsonReply(408, ""), assigned()]);
    expect(await dps.client.register(registration)).toMatchObject({ kind: "assigned", attempts: 2 });
  });

  it("retries a failing poll without re-registering", async () => {
    const dps = createScriptedDps([
      jsonReply(202, { operationId: "op", status: "assigning" }, { "Retry-After": "2" }),
      dpsError(503, 0, "busy"),
      assigned(),
    ]);
    expect(await dps.client.register(registration)).toMatchObject({ kind: "assigned", attempts: 3 });
    expect(dps.requests.map((r) => r.method)).toEqual(["PUT", "GET", "GET"]);
  });

  it("stops retrying before the operation deadline and returns the last error", async () => {
    const dps = createScriptedDps(() => dpsError(503, 0, "busy"), {
      operationTimeoutMs: 2_000,
      retryPolicy: { maxAttempts: 10 },
    });
    const result = await dps.client.register(registration);
    expect(result).toMatchObject({ kind: "transient", cause: "http-5xx", attempts: 2 });
    expect(result.durationMs).toBeLessThan(2_000);
  });
});

describe("register: network faults", () => {
  it("retries a connection reset, then succeeds", async () => {
    const dps = createScriptedDps([networkError("ECONNRESET"), assigned()]);
    expect(await dps.client.register(registration)).toMatchObject({ kind: "assigned", attempts: 2 });
  });

  it("returns transient reset with the network code once retries run out", async () => {
    const dps = createScriptedDps(() => networkError("ECONNRESET", "read ECONNRESET"));
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "transient",
      cause: "reset",
      networkCode: "ECONNRESET",
      message: "ECONNRESET: read ECONNRESET",
      httpStatus: null,
      attempts: 5,
    });
  });

  it("times out a request that never answers, retries, and reports a transient timeout", async () => {
    const dps = createScriptedDps(() => hang, { requestTimeoutMs: 20, retryPolicy: { maxAttempts: 3 } });
    const result = await dps.client.register(registration);
    expect(result).toMatchObject({ kind: "transient", cause: "timeout", httpStatus: null, attempts: 3 });
    expect(dps.requests.every((r) => r.signal?.aborted)).toBe(true);
  });

  it("reports a body that is not JSON as transient malformed", async () => {
    const dps = createScriptedDps(() => jsonReply(202, "{not json"), { retryPolicy: { maxAttempts: 2 } });
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "transient",
      cause: "malformed",
      httpStatus: 202,
      attempts: 2,
    });
  });

  it("retries a malformed body, then succeeds", async () => {
    const dps = createScriptedDps([jsonReply(200, ""), assigned()]);
    expect(await dps.client.register(registration)).toMatchObject({ kind: "assigned", attempts: 2 });
  });

  it("reports an unknown host as unreachable dns without retrying", async () => {
    const dps = createScriptedDps([networkError("ENOTFOUND", "getaddrinfo ENOTFOUND dps.example.test")]);
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "unreachable",
      cause: "dns",
      networkCode: "ENOTFOUND",
      message: "ENOTFOUND: getaddrinfo ENOTFOUND dps.example.test",
      attempts: 1,
    });
  });

  it("retries a DNS timeout (EAI_AGAIN) a couple of times", async () => {
    const dps = createScriptedDps(() => networkError("EAI_AGAIN"));
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "unreachable",
      cause: "dns",
      attempts: 3,
    });
  });

  it("retries a refused connection a couple of times, then reports unreachable refused", async () => {
    const dps = createScriptedDps(() => networkError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:8443"));
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "unreachable",
      cause: "refused",
      attempts: 3,
    });
  });

  it.each([
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "CERT_HAS_EXPIRED",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "ERR_SSL_WRONG_VERSION_NUMBER",
  ])("reports %s as unreachable tls without retrying", async (code) => {
    const dps = createScriptedDps([networkError(code)]);
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "unreachable",
      cause: "tls",
      networkCode: code,
      attempts: 1,
    });
  });

  it("finds the code inside an AggregateError from trying several addresses", async () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: "ECONNREFUSED" });
    const aggregate = new AggregateError([refused("::1:8443"), refused("127.0.0.1:8443")], "");
    const dps = createScriptedDps(() => ({ throws: new TypeError("fetch failed", { cause: aggregate }) }));
    expect(await dps.client.register(registration)).toMatchObject({ kind: "unreachable", cause: "refused" });
  });

  it("reports an uncoded fetch failure as a transient network error", async () => {
    const dps = createScriptedDps(() => ({ throws: new TypeError("fetch failed") }), {
      retryPolicy: { maxAttempts: 2 },
    });
    expect(await dps.client.register(registration)).toMatchObject({
      kind: "transient",
      cause: "network",
      networkCode: null,
      message: "Network error: fetch failed",
      attempts: 2,
    });
  });
});

describe("register: caller abort", () => {
  it("returns aborted promptly while a request is in flight", async () => {
    const controller = new AbortController();
    const dps = createScriptedDps(() => hang);
    const started = Date.now();
    const pending = dps.client.register({ ...registration, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    const result = await pending;
    expect(result).toMatchObject({ kind: "aborted", httpStatus: null, attempts: 1 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("returns aborted even if the fetch ignores its signal", async () => {
    const controller = new AbortController();
    const dps = createScriptedDps(() => neverSettles);
    const pending = dps.client.register({ ...registration, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect(await pending).toMatchObject({ kind: "aborted", attempts: 1 });
  });

  it("stops sleeping when aborted between polls, because the sleep receives the signal", async () => {
    const controller = new AbortController();
    const sleptWith: (AbortSignal | undefined)[] = [];
    const dps = createScriptedDps(
      [jsonReply(202, { operationId: "op", status: "assigning" }, { "Retry-After": "30" })],
      {
        sleep: (_ms, signal) =>
          new Promise((resolve) => {
            sleptWith.push(signal);
            signal?.addEventListener("abort", () => resolve());
            controller.abort();
          }),
      },
    );
    const result = await dps.client.register({ ...registration, signal: controller.signal });
    expect(result).toMatchObject({ kind: "aborted", attempts: 1 });
    expect(sleptWith).toEqual([controller.signal]);
  });

  it("sends nothing when the signal is already aborted", async () => {
    const dps = createScriptedDps([]);
    const result = await dps.client.register({ ...registration, signal: AbortSignal.abort() });
    expect(result).toMatchObject({ kind: "aborted", attempts: 0 });
    expect(dps.requests).toEqual([]);
  });
});
