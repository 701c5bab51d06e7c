import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import type PgBoss from "pg-boss";
import { readEngineSettings } from "../settings";
import { BOSS_SCHEMA, startBoss } from "./boss";

const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
});

describe("starting the job queue", () => {
  it(
    "succeeds for every process when several start at the same moment on a database without its tables",
    { timeout: 120_000 },
    async () => {
      const settings = readEngineSettings();
      for (let round = 0; round < 4; round++) {
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        await admin.query(`drop schema if exists ${BOSS_SCHEMA} cascade`);
        await admin.end();
        const started: PgBoss[] = [];
        const results = await Promise.allSettled(
          Array.from({ length: 4 }, async () => {
            const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
            pools.push(pool);
            started.push(await startBoss(pool, settings));
          }),
        );
        await Promise.all(started.map((boss) => boss.stop({ graceful: false, wait: true })));
        expect(
          results
            .filter((r) => r.status === "rejected")
            .map((r) => String((r as PromiseRejectedResult).reason)),
          `round ${round + 1}`,
        ).toEqual([]);
      }
    },
  );
});
