import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type PgBoss from "pg-boss";
import { readEngineSettings } from "../settings";
import { startBoss } from "../queue/boss";
import { DPS_RATE_LIMITER } from "../pacing/rate-limiter";
import { CIRCUIT_ROW, closeCircuit, ensureCircuitRow } from "./circuit-store";

describe("closing the DPS circuit", () => {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
  let boss: PgBoss;
  beforeAll(async () => {
    boss = await startBoss(pool, readEngineSettings()); // closing touches the job queue's tables
    await ensureCircuitRow(pool);
  });
  afterAll(async () => {
    await boss.stop({ graceful: false, wait: true });
    await pool.end();
  });

  /** Opens the circuit as a run of `lastErrorKind` failures would, with 30 s of slots booked ahead; closes it; the slots left ahead, in seconds. */
  async function bookedAheadAfterClosing(lastErrorKind: string): Promise<number> {
    await pool.query(
      "update dps_circuit set state = 'open', since = now(), last_error_kind = $2 where id = $1",
      [CIRCUIT_ROW, lastErrorKind],
    );
    await pool.query(
      "insert into rate_limiter (name, next_slot_at) values ($1, clock_timestamp() + interval '30 seconds') on conflict (name) do update set next_slot_at = excluded.next_slot_at",
      [DPS_RATE_LIMITER],
    );
    expect(await closeCircuit(pool, "open")).toBe(true);
    const { rows } = await pool.query(
      "select extract(epoch from next_slot_at - clock_timestamp())::float8 as ahead from rate_limiter where name = $1",
      [DPS_RATE_LIMITER],
    );
    return Number(rows[0].ahead);
  }

  it("after an outage, gives the slots booked by handed-back attempts back, so work resumes at once", async () => {
    expect(await bookedAheadAfterClosing("unreachable:timeout")).toBeLessThanOrEqual(0);
  });

  it("after a run of 429s, keeps the pace DPS was throttling, so closing sends no burst into its full quota window", async () => {
    expect(await bookedAheadAfterClosing("throttled::429")).toBeGreaterThan(25);
  });
});
