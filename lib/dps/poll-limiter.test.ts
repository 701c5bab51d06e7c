import { describe, expect, it } from "vitest";
import { createPollLimiter } from "./poll-limiter";
import { busiestWindow } from "../../tests/support/scripted-dps";

describe("poll limiter", () => {
  it("lets five requests through at once and makes the sixth wait for the window", () => {
    const limiter = createPollLimiter();
    const waits = [0, 1, 2, 3, 4, 5].map(() => limiter.reserve("device-1", 1_000));
    expect(waits).toEqual([0, 0, 0, 0, 0, 10_000]);
  });

  it("keeps any 10 s window at five requests when asked every second", () => {
    const limiter = createPollLimiter();
    const times: number[] = [];
    let now = 0;
    for (let i = 0; i < 30; i += 1) {
      now += limiter.reserve("device-1", now);
      times.push(now);
      now += 1_000;
    }
    expect(busiestWindow(times)).toBe(5);
    expect(times.slice(0, 7)).toEqual([0, 1_000, 2_000, 3_000, 4_000, 10_000, 11_000]);
  });

  it("counts each device separately", () => {
    const limiter = createPollLimiter({ maxRequests: 1, windowMs: 10_000 });
    expect(limiter.reserve("device-1", 0)).toBe(0);
    expect(limiter.reserve("device-2", 0)).toBe(0);
    expect(limiter.reserve("device-1", 0)).toBe(10_000);
  });

  it("forgets requests older than the window", () => {
    const limiter = createPollLimiter({ maxRequests: 2, windowMs: 10_000 });
    limiter.reserve("device-1", 0);
    limiter.reserve("device-1", 0);
    expect(limiter.reserve("device-1", 10_000)).toBe(0);
  });

  it("never hands two concurrent callers the same last slot", () => {
    const limiter = createPollLimiter({ maxRequests: 2, windowMs: 10_000 });
    expect([
      limiter.reserve("d", 0),
      limiter.reserve("d", 0),
      limiter.reserve("d", 0),
      limiter.reserve("d", 0),
    ]).toEqual([0, 0, 10_000, 10_000]);
  });
});
