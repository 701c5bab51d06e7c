import type PgBoss from "pg-boss";
import { logger } from "@/lib/logger";
import type { Engine } from "../engine";
import { finishCompletedRuns, forgetLongGoneProcesses, resumeOrphanedAttempts } from "../runs/sweeper";

const SWEEP_INTERVAL_MS = 2_000;
const FORGET_EVERY_MS = 60 * 60_000;

/**
 * The worker's periodic housekeeping, every two seconds and once right away (a restarted app
 * takes over what its killed predecessor left at once): attempts of processes that are gone, or
 * whose lease ran out, are queued again; bulk runs are marked finished. A round that is still
 * running when the next is due is skipped, not stacked.
 */
export function startSweeper(engine: Engine, boss: PgBoss): { stop(): void } {
  let sweeping = false;
  let lastForget = 0;
  const sweep = () => {
    if (sweeping) return;
    sweeping = true;
    void (async () => {
      try {
        await resumeOrphanedAttempts(engine.pool, boss, engine.settings, {
          id: engine.heartbeat.id,
          mayJudgeOthers: engine.heartbeat.mayJudgeOthers(),
        });
        await finishCompletedRuns(engine.pool);
        if (Date.now() - lastForget > FORGET_EVERY_MS) {
          lastForget = Date.now();
          await forgetLongGoneProcesses(engine.pool);
        }
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, "provisioning sweeper error");
      } finally {
        sweeping = false;
      }
    })();
  };
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();
  sweep();
  return { stop: () => clearInterval(timer) };
}
