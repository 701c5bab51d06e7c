import { describe, expect, it } from "vitest";
import { slotCosts } from "../pacing/rate-limiter";
import { BOOKING_HORIZON_MS, jobsToFetch, MAX_FETCH, readyAheadFor } from "./fetch-plan";

describe("how many jobs the fetch loop takes", () => {
  const base = { concurrency: 64, busyCallSlots: 0, beforeCall: 0, perAttemptMs: null };

  it("fills every free call slot and the ready-ahead attempts when nothing waits", () => {
    expect(readyAheadFor(64)).toBe(32);
    expect(jobsToFetch(base)).toBe(96);
    expect(jobsToFetch({ ...base, busyCallSlots: 60 })).toBe(36);
  });

  it("waits when the call slots and the ready-ahead attempts are all taken", () => {
    expect(jobsToFetch({ ...base, busyCallSlots: 64, beforeCall: 32 })).toBe(0);
  });

  it("fetches in batches while attempts are lined up, but a single job at once when none is", () => {
    // 12 places free with 20 attempts lined up: not worth a statement yet (half the ready-ahead is).
    expect(jobsToFetch({ ...base, busyCallSlots: 64, beforeCall: 20 })).toBe(0);
    expect(jobsToFetch({ ...base, busyCallSlots: 64, beforeCall: 16 })).toBe(16);
    expect(jobsToFetch({ ...base, concurrency: 1, busyCallSlots: 1 })).toBe(4);
  });

  it("never takes more than one claim statement's worth", () => {
    expect(jobsToFetch({ ...base, concurrency: 1_000 })).toBe(MAX_FETCH);
  });

  it("books at most about four seconds of DPS slots ahead under a low quota", () => {
    const perAttemptMs = slotCosts({ registrationsPerMinute: 120, operationsPerMinute: 0 })!.perAttemptMs;
    expect(jobsToFetch({ ...base, perAttemptMs })).toBe(Math.ceil(BOOKING_HORIZON_MS / perAttemptMs));
    expect(jobsToFetch({ ...base, perAttemptMs: 60_000 })).toBe(2);
  });
});

/**
 * The fetch loop against a simulated clock: an endless queue, a GCRA rate limiter handing out
 * slots `perAttemptMs` apart, DPS calls of `callMs`. Each step fetches what jobsToFetch says,
 * books the fetched attempts' slots, then jumps to the next event (a slot arriving, a call
 * ending, or the next poll), as the real loop's nudges and polls do.
 */
function simulate(options: {
  concurrency: number;
  perAttemptMs: number | null;
  callMs: number;
  pollMs: number;
  durationMs: number;
}) {
  let now = 0;
  let nextSlot = 0;
  const waiting: number[] = []; // booked slot times of attempts not yet calling, in order
  const calls: number[] = []; // end times of calls in flight
  const stats = {
    started: 0,
    maxBookedAheadMs: 0,
    maxBeforeCall: 0,
    busySlotMs: 0,
    batchedFetches: [] as number[],
  };
  while (now < options.durationMs) {
    const wanted = jobsToFetch({
      concurrency: options.concurrency,
      busyCallSlots: calls.length,
      beforeCall: waiting.length,
      perAttemptMs: options.perAttemptMs,
    });
    if (wanted > 0 && waiting.length > 0) stats.batchedFetches.push(wanted);
    for (let i = 0; i < wanted; i++) {
      const slot = options.perAttemptMs === null ? now : Math.max(nextSlot, now);
      if (options.perAttemptMs !== null) nextSlot = slot + options.perAttemptMs;
      waiting.push(slot);
      stats.maxBookedAheadMs = Math.max(stats.maxBookedAheadMs, slot - now);
    }
    stats.maxBeforeCall = Math.max(stats.maxBeforeCall, waiting.length);
    // Start every attempt whose slot has come, while a call slot is free.
    while (waiting.length > 0 && waiting[0]! <= now && calls.length < options.concurrency) {
      waiting.shift();
      calls.push(now + options.callMs);
      stats.started += 1;
    }
    calls.sort((a, b) => a - b);
    const events = [
      calls[0],
      calls.length < options.concurrency ? waiting.find((slot) => slot > now) : undefined,
      wanted === 0 ? now + options.pollMs : undefined,
    ];
    const next = Math.min(
      ...events.filter((at): at is number => at !== undefined && at > now),
      now + options.pollMs,
    );
    stats.busySlotMs += calls.length * (next - now);
    now = next;
    while (calls.length > 0 && calls[0]! <= now) calls.shift();
  }
  return stats;
}

describe("the fetch loop over simulated time", () => {
  it("keeps a low quota's pace exactly while booking no more than about four seconds ahead", () => {
    const perAttemptMs = slotCosts({ registrationsPerMinute: 120, operationsPerMinute: 0 })!.perAttemptMs;
    const stats = simulate({
      concurrency: 64,
      perAttemptMs,
      callMs: 1_000,
      pollMs: 1_000,
      durationMs: 5 * 60_000,
    });
    expect(stats.maxBookedAheadMs).toBeLessThanOrEqual(BOOKING_HORIZON_MS + perAttemptMs);
    expect(stats.maxBeforeCall).toBeLessThanOrEqual(Math.ceil(BOOKING_HORIZON_MS / perAttemptMs));
    const perMinute = stats.started / 5;
    expect(perMinute).toBeGreaterThanOrEqual(0.99 * (60_000 / perAttemptMs));
    expect(perMinute).toBeLessThanOrEqual(60_000 / perAttemptMs + 1);
  });

  it("keeps every call slot busy without a quota, with at most the ready-ahead attempts waiting", () => {
    const concurrency = 64;
    const durationMs = 60_000;
    const stats = simulate({ concurrency, perAttemptMs: null, callMs: 1_000, pollMs: 1_000, durationMs });
    expect(stats.busySlotMs / (concurrency * durationMs)).toBeGreaterThan(0.99);
    expect(stats.maxBeforeCall).toBeLessThanOrEqual(concurrency + readyAheadFor(concurrency));
    // While attempts were lined up, every fetch was a batch, not a job at a time.
    expect(Math.min(...stats.batchedFetches)).toBeGreaterThanOrEqual(readyAheadFor(concurrency) / 2);
  });
});
