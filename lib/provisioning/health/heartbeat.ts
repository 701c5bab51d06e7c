// Raw SQL: the plan. A beat is one prepared statement per process every HIC_HEARTBEAT_MS that
// records it and counts the live workers (an upsert in a CTE).
import { randomUUID } from "node:crypto";
import os from "node:os";
import type pg from "pg";
import { logger } from "@/lib/logger";
import type { EngineSettings } from "../settings";
import { queryBuilder } from "@/db/query-builder";
import { provisioningProcesses } from "@/db/schema/engine";
import { eq } from "drizzle-orm";

export type ProcessRole = "worker" | "inline";

/**
 * This process's row in provisioning_processes, refreshed every HIC_HEARTBEAT_MS. Attempts carry
 * the id (devices.attempt_owner), so when the heartbeat stops (kill -9, a crash) the sweeper of
 * any other process takes them over within HIC_HEARTBEAT_STALE_MS instead of waiting out the lease.
 *
 * A process judges others only while its own heartbeats get through: after a database outage
 * every heartbeat is stale, the live processes' included, so nobody takes over anything until each
 * has had a stale period to beat again.
 */
export class Heartbeat {
  readonly id = randomUUID();
  private role: ProcessRole | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastOkAt: number | null = null;
  private judgeFrom = 0;
  private workers = 1;
  private registering: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly settings: Pick<EngineSettings, "heartbeatMs" | "heartbeatStaleMs">,
  ) {}

  /** The row exists once this resolves (a claim naming this process must never look orphaned); `worker` outranks `inline`. */
  async ensure(role: ProcessRole): Promise<void> {
    if (this.role === "worker" || this.role === role) return this.registering ?? undefined;
    this.role = role;
    this.stopped = false;
    this.registering = this.beat(true).finally(() => {
      this.registering = null;
    });
    await this.registering;
    this.timer ??= setInterval(() => void this.beat(false), this.settings.heartbeatMs);
    this.timer.unref();
  }

  /** Worker processes with a fresh heartbeat, this one included: auto concurrency shares the quota among them. */
  liveWorkers(): number {
    return this.workers;
  }

  /** Whether this process has been beating without a gap, so another's silence means that one is gone. */
  mayJudgeOthers(now = Date.now()): boolean {
    return this.lastOkAt !== null && now >= this.judgeFrom;
  }

  private async beat(mustSucceed: boolean): Promise<void> {
    if (this.stopped || !this.role) return;
    try {
      const { rows } = await this.pool.query<{ workers: string }>({
        name: "hic_heartbeat",
        text: `with beat as (
                 insert into provisioning_processes (id, role, host, pid, started_at, heartbeat_at)
                 values ($1, $2, $3, $4, clock_timestamp(), clock_timestamp())
                 on conflict (id) do update set heartbeat_at = clock_timestamp(), role = excluded.role
                 returning 1
               )
               select count(*) as workers from provisioning_processes
               where role = 'worker' and id <> $1 and heartbeat_at > clock_timestamp() - $5::float8 * interval '1 millisecond'`,
        values: [this.id, this.role, os.hostname(), process.pid, this.settings.heartbeatStaleMs],
      });
      const now = Date.now();
      if (this.lastOkAt !== null && now - this.lastOkAt > this.settings.heartbeatStaleMs) {
        // We were cut off (database away, or this process stalled): the others may look stale for
        // the same reason. Give them a full stale period to beat again before judging them.
        this.judgeFrom = now + this.settings.heartbeatStaleMs;
      }
      this.lastOkAt = now;
      this.workers = Number(rows[0]?.workers ?? 0) + (this.role === "worker" ? 1 : 0);
    } catch (error) {
      if (mustSucceed) {
        this.role = null;
        throw error;
      }
      logger.debug({ err: { message: (error as Error).message } }, "heartbeat not recorded");
    }
  }

  /** Graceful stop, after the process handed its attempts back: others need not wait for it to go stale. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.role) return;
    this.role = null;
    await queryBuilder(this.pool)
      .delete(provisioningProcesses)
      .where(eq(provisioningProcesses.id, this.id))
      .catch(() => {});
  }
}
