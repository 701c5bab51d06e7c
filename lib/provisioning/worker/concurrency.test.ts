import { describe, expect, it } from "vitest";
import { slotCosts } from "../pacing/rate-limiter";
import { ASSUMED_CALL_MS, autoConcurrency, CallTimer, CONCURRENCY_WITHOUT_QUOTA } from "./concurrency";

describe("auto concurrency", () => {
  const tenUnits = slotCosts({ registrationsPerMinute: 10_000, operationsPerMinute: 100_000 })!.perAttemptMs;

  it("covers the quota times the time DPS takes per device, shared among the live workers", () => {
    // 10,000/min with a 3 s Retry-After needs about 550 calls in flight across the fleet.
    const needed = (10_000 / 0.98 / 60) * (ASSUMED_CALL_MS / 1000);
    const one = autoConcurrency({ perAttemptMs: tenUnits, callMs: ASSUMED_CALL_MS, workers: 1 });
    const three = autoConcurrency({ perAttemptMs: tenUnits, callMs: ASSUMED_CALL_MS, workers: 3 });
    expect(one).toBeGreaterThan(needed);
    expect(3 * three).toBeGreaterThan(needed);
    expect(three).toBeLessThan(one / 2);
  });

  it("grows with a slower DPS and shrinks with a smaller quota", () => {
    const base = autoConcurrency({ perAttemptMs: tenUnits, callMs: 3_500, workers: 2 });
    expect(autoConcurrency({ perAttemptMs: tenUnits, callMs: 7_000, workers: 2 })).toBeGreaterThan(base);
    const oneUnit = slotCosts({ registrationsPerMinute: 1_000, operationsPerMinute: 100_000 })!.perAttemptMs;
    expect(autoConcurrency({ perAttemptMs: oneUnit, callMs: 3_500, workers: 2 })).toBeLessThan(base / 5);
  });

  it("falls back to a fixed number without a quota", () => {
    expect(autoConcurrency({ perAttemptMs: null, callMs: 3_500, workers: 3 })).toBe(
      CONCURRENCY_WITHOUT_QUOTA,
    );
  });

  it("measures call time without letting fast calls drop it below DPS's usual Retry-After", () => {
    const timer = new CallTimer();
    expect(timer.callMs()).toBe(ASSUMED_CALL_MS);
    for (let i = 0; i < 100; i++) timer.record(500);
    expect(timer.callMs()).toBe(ASSUMED_CALL_MS);
    for (let i = 0; i < 200; i++) timer.record(8_000);
    expect(timer.callMs()).toBeGreaterThan(7_000);
  });
});
