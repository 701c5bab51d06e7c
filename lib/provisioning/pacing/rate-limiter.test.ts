import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { realSleep } from "@/lib/dps";
import { devicesPerMinute, reserveSlot, slotCosts } from "./rate-limiter";

describe("slot costs", () => {
  it("pace each attempt at the tighter of the registration quota and two operations", () => {
    expect(slotCosts({ registrationsPerMinute: 0, operationsPerMinute: 0 })).toBeNull();
    const registrationsBound = slotCosts({ registrationsPerMinute: 120, operationsPerMinute: 1_000_000 }, 1)!;
    expect(registrationsBound.perAttemptMs).toBe(500);
    const operationsBound = slotCosts({ registrationsPerMinute: 1000, operationsPerMinute: 1000 }, 1)!;
    expect(operationsBound.perAttemptMs).toBe(120);
    expect(operationsBound.extraOperationMs).toBe(60);
    expect(devicesPerMinute({ registrationsPerMinute: 1000, operationsPerMinute: 1000 })).toBe(500);
  });

  it("keep a safety margin under the quota", () => {
    expect(slotCosts({ registrationsPerMinute: 600, operationsPerMinute: 0 })!.perAttemptMs).toBeCloseTo(
      100 / 0.98,
      6,
    );
  });
});

describe("the shared limiter in Postgres", () => {
  const pools = [0, 1].map(() => new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 6 }));
  afterAll(async () => Promise.all(pools.map((pool) => pool.end())));

  it(
    "keeps concurrent acquirers in two pools under the rate in every sliding window, and close to it",
    { timeout: 30_000 },
    async () => {
      // 1,200 per minute = 20 per second: the same GCRA arithmetic as a per-minute quota, scaled down in time.
      const perSecond = 20;
      const costMs = slotCosts({
        registrationsPerMinute: perSecond * 60,
        operationsPerMinute: 0,
      })!.perAttemptMs;
      const runForMs = 5_000;
      const sends: number[] = [];
      const started = Date.now();
      await Promise.all(
        pools.flatMap((pool) =>
          Array.from({ length: 8 }, async () => {
            while (Date.now() - started < runForMs) {
              const waitMs = await reserveSlot(pool, costMs, "test-bucket");
              await realSleep(waitMs);
              sends.push(Date.now());
            }
          }),
        ),
      );
      sends.sort((a, b) => a - b);
      const maxIn = (windowMs: number) => {
        let max = 0;
        let first = 0;
        for (let last = 0; last < sends.length; last++) {
          while (sends[last]! - sends[first]! >= windowMs) first++;
          max = Math.max(max, last - first + 1);
        }
        return max;
      };
      // Timers may wake a few ms late, which can put one extra send into a window's edge.
      expect(maxIn(1_000)).toBeLessThanOrEqual(perSecond + 1);
      expect(maxIn(3_000)).toBeLessThanOrEqual(3 * perSecond + 1);
      const achievedPerSecond = (sends.length - 1) / ((sends.at(-1)! - sends[0]!) / 1000);
      expect(achievedPerSecond).toBeLessThanOrEqual(perSecond);
      expect(achievedPerSecond).toBeGreaterThanOrEqual(0.95 * perSecond);
    },
  );

  it("grants no burst after an idle period", async () => {
    const costMs = 200;
    const clock = async () =>
      Number((await pools[0]!.query("select extract(epoch from clock_timestamp()) * 1000 as ms")).rows[0].ms);
    await reserveSlot(pools[0]!, costMs, "idle-bucket");
    await realSleep(3 * costMs); // idle: long enough that saved-up credit would let two go at once
    const before = await clock();
    const started = Date.now();
    const waits = await Promise.all(
      [0, 1, 2, 3].map((i) => reserveSlot(pools[i % 2]!, costMs, "idle-bucket")),
    );
    const elapsed = Date.now() - started;
    const { rows } = await pools[0]!.query(
      "select extract(epoch from next_slot_at) * 1000 as ms from rate_limiter where name = 'idle-bucket'",
    );
    // Four slots booked back to back from no earlier than the moment the burst began, whatever the round trips took.
    expect(Number(rows[0].ms) - before).toBeGreaterThanOrEqual(4 * costMs);
    waits.sort((a, b) => a - b);
    expect(waits[0]).toBeLessThan(20);
    // Each wait is measured from its own booking; the last booked waits for three slots, less the time between bookings.
    expect(waits[3]).toBeGreaterThanOrEqual(3 * costMs - elapsed);
  });
});
