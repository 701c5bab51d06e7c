/** DPS allows 5 operation polls per 10 s per device and will not raise it (DPS service limits). */
export const DPS_DEVICE_REQUEST_LIMIT = { maxRequests: 5, windowMs: 10_000 } as const;

export type PollLimit = { maxRequests: number; windowMs: number };

export type PollLimiter = {
  /**
   * Books the earliest slot at or after `nowMs` that keeps every window of `windowMs` at no more
   * than `maxRequests` requests for `key`, and returns how long to wait for it. Booking and
   * computing happen together so concurrent calls for one device cannot both take the last slot.
   */
  reserve(key: string, nowMs: number): number;
};

/**
 * A sliding-window limiter keyed by device. Slots are handed out in time order, so the rule
 * "slot ≥ the slot `maxRequests` back + window" is enough to hold the limit for every window.
 */
export function createPollLimiter(limit: PollLimit = DPS_DEVICE_REQUEST_LIMIT): PollLimiter {
  const slotsByKey = new Map<string, number[]>();
  let nextSweepAt = Number.NEGATIVE_INFINITY;

  function forgetOldSlots(slots: number[], nowMs: number) {
    while (slots.length > 0 && (slots[0] ?? 0) <= nowMs - limit.windowMs) slots.shift();
  }

  /**
   * Devices that stopped sending are dropped in one pass per half window, not on every request: a
   * worker with hundreds of devices in flight sends hundreds of requests a second, and a pass over
   * every device per request cost more CPU than the requests themselves.
   */
  function sweep(nowMs: number) {
    if (nowMs < nextSweepAt) return;
    nextSweepAt = nowMs + limit.windowMs / 2;
    for (const [key, slots] of slotsByKey) {
      forgetOldSlots(slots, nowMs);
      if (slots.length === 0) slotsByKey.delete(key);
    }
  }

  return {
    reserve(key, nowMs) {
      sweep(nowMs);
      const slots = slotsByKey.get(key) ?? [];
      forgetOldSlots(slots, nowMs);
      let slot = Math.max(nowMs, slots[slots.length - 1] ?? nowMs);
      const blocking = slots[slots.length - limit.maxRequests];
      if (blocking !== undefined) slot = Math.max(slot, blocking + limit.windowMs);
      slots.push(slot);
      slotsByKey.set(key, slots);
      return slot - nowMs;
    },
  };
}
