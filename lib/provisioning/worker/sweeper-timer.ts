import type PgBoss from "pg-boss";
import { logger } from "@/lib/logger";
import type { Engine } from "../engine";
import { finishCompletedRuns, resumeOrphanedAttempts } from "../runs/sweeper";

const RUN_CHECK_INTERVAL_MS = 2_000;

/**
 * The worker's periodic housekeeping: bulk runs are marked finished within seconds; orphaned
 * attempts can only appear once a lease runs out, so they are looked for about three times a lease.
 * A round that is still running when the next is due is skipped, not stacked.
 */
export function startSweeper(engine: Engine, boss: PgBoss): { stop(): void } {
  const orphanCheckEveryMs = Math.max(1_000, Math.min(30_000, (engine.settings.leaseSeconds * 1000) / 3));
  let lastOrphanCheck = 0;
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void (async () => {
      try {
        if (Date.now() - lastOrphanCheck >= orphanCheckEveryMs) {
          lastOrphanCheck = Date.now();
          await resumeOrphanedAttempts(engine.pool, boss, engine.settings);
        }
        await finishCompletedRuns(engine.pool);
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, "provisioning sweeper error");
      } finally {
        sweeping = false;
      }
    })();
  }, RUN_CHECK_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
