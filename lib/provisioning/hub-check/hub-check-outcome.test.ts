import { describe, expect, it } from "vitest";
import { hubRetryDelayMs, HUB_RETRY_MAX_MS, judgeHubCheck } from "./hub-check-outcome";

describe("what a hub check means for the device", () => {
  it("marks a connected device Connected with nothing left to do", () => {
    expect(judgeHubCheck({ kind: "connected", twinVersion: 3, durationMs: 20 }, 0)).toMatchObject({
      hubStatus: "connected",
      retryInMs: null,
      outage: false,
      outcome: "hub-connected",
    });
  });

  it("keeps a refusal with its code, explanation and next step, and does not retry it", () => {
    const verdict = judgeHubCheck(
      {
        kind: "refused",
        stage: "connect",
        code: 5,
        explanation: "why",
        nextStep: "Re-provision",
        durationMs: 5,
      },
      0,
    );
    expect(verdict).toMatchObject({
      hubStatus: "refused",
      errorCode: "5",
      errorMessage: "why",
      nextStep: "Re-provision",
    });
    expect(verdict.retryInMs).toBeNull();
  });

  it("lets a device wait on a throttled or unreachable hub, never failing it, and counts it for the circuit", () => {
    const busy = judgeHubCheck(
      { kind: "hub-busy", stage: "connect", code: 3, message: "m", durationMs: 1 },
      0,
      () => 0.5,
    );
    const down = judgeHubCheck(
      { kind: "unreachable", cause: "connect", networkCode: "ECONNREFUSED", message: "m", durationMs: 1 },
      2,
      () => 0.5,
    );
    for (const verdict of [busy, down]) {
      expect(verdict.hubStatus).toBe("unreachable");
      expect(verdict.outage).toBe(true);
      expect(verdict.retryInMs).toBeGreaterThan(0);
    }
    expect(down.errorCode).toBe("ECONNREFUSED");
  });

  it("does not count a check stopped on our side against the hub", () => {
    expect(
      judgeHubCheck(
        { kind: "unreachable", cause: "aborted", networkCode: null, message: "m", durationMs: 1 },
        0,
      ).outage,
    ).toBe(false);
  });

  it("keeps the retry delay short, so devices follow the hub within seconds of its return", () => {
    for (let tries = 0; tries < 30; tries++)
      expect(hubRetryDelayMs(tries, () => 1)).toBeLessThanOrEqual(HUB_RETRY_MAX_MS);
    expect(hubRetryDelayMs(0, () => 0)).toBe(250);
  });
});

describe("server unavailable (3), which IoT Hub also answers a disabled identity", () => {
  const unavailable = { kind: "hub-busy", stage: "connect", code: 3, message: "m", durationMs: 1 } as const;

  it("is the hub's state while nothing says the hub takes other devices", () => {
    expect(judgeHubCheck(unavailable, 0, () => 0.5)).toMatchObject({
      hubStatus: "unreachable",
      outage: true,
    });
  });

  it("is the device's refusal while the hub takes others, with enabling the identity as the next step", () => {
    expect(judgeHubCheck(unavailable, 0, () => 0.5, { kind: "others-accepted" })).toMatchObject({
      hubStatus: "refused",
      errorCode: "3",
      outage: false,
      retryInMs: null,
      nextStep: expect.stringMatching(/^Re-provision, or check the identity in the hub/),
    });
  });

  it("is the device's refusal when the hub's registry shows the identity disabled, with the reason and enabling it as the next step", () => {
    expect(
      judgeHubCheck(unavailable, 1, () => 0.5, { kind: "identity-disabled", statusReason: "stolen" }),
    ).toMatchObject({
      hubStatus: "refused",
      errorCode: "3",
      errorMessage: expect.stringMatching(
        /registry shows this device's identity is disabled \(reason given: "stolen"\)/,
      ),
      nextStep: expect.stringMatching(/^Enable the identity in the hub/),
      retryInMs: null,
      outage: false,
    });
  });

  it("is the hub's state when the registry shows the identity enabled, even while the hub takes others", () => {
    const verdict = judgeHubCheck(unavailable, 2, () => 0.5, { kind: "identity-enabled" });
    expect(verdict).toMatchObject({ hubStatus: "unreachable", outage: true });
    expect(verdict.errorMessage).toMatch(/registry shows the device's identity enabled/);
  });

  it("does not turn a throttled twin (429) into a refusal", () => {
    expect(
      judgeHubCheck(
        { kind: "hub-busy", stage: "twin-get", code: 429, message: "m", durationMs: 1 },
        3,
        () => 0.5,
        { kind: "identity-disabled", statusReason: null },
      ),
    ).toMatchObject({ hubStatus: "unreachable" });
  });
});
