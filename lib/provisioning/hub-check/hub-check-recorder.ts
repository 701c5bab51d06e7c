import { logger } from "@/lib/logger";
import type { EngineSettings } from "../settings";
import { recordHubChecks, updateHubCircuits, type HubCheckRecord, type HubTally } from "./hub-check-sql";
import type pg from "pg";

/**
 * Collects check results for a few milliseconds and writes them, with their hubs' circuit
 * updates, in two statements: at thousands of checks a minute, one statement per check would
 * queue on the hub-status counts row that every result touches.
 */
export class HubCheckRecorder {
  private pending: { record: HubCheckRecord; done: (written: boolean) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly db: Pick<pg.Pool, "query">,
    private readonly settings: Pick<EngineSettings, "circuitFailures" | "probeMinMs" | "probeMaxMs">,
    private readonly windowMs = 25,
    private readonly maxBatch = 100,
  ) {}

  /** Results handed in and not written yet (pending or in a write). */
  unwritten(): number {
    return this.waiting;
  }

  record(record: HubCheckRecord): Promise<boolean> {
    this.waiting += 1;
    return new Promise((resolve) => {
      const done = (written: boolean) => {
        this.waiting -= 1;
        resolve(written);
      };
      this.pending.push({ record, done });
      if (this.pending.length >= this.maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: typeof this.pending): Promise<void> {
    try {
      const written = await recordHubChecks(
        this.db,
        batch.map((entry) => entry.record),
      );
      await updateHubCircuits(this.db, tally(batch.map((entry) => entry.record)), this.settings);
      for (const entry of batch) entry.done(written.has(entry.record.check.deviceId));
    } catch (error) {
      // Unwritten results are not lost work: the checks' leases run out and they are done again.
      logger.warn(
        { err: { message: (error as Error).message }, checks: batch.length },
        "could not record hub checks",
      );
      for (const entry of batch) entry.done(false);
    }
  }
}

export function tally(records: HubCheckRecord[]): HubTally[] {
  const byHub = new Map<string, HubTally>();
  for (const { check, verdict } of records) {
    const entry = byHub.get(check.hub) ?? { hub: check.hub, successes: 0, outages: 0, lastError: null };
    if (verdict.outage) {
      entry.outages += 1;
      entry.lastError = verdict.errorMessage;
    } else if (verdict.hubStatus !== "unreachable") entry.successes += 1;
    byHub.set(check.hub, entry);
  }
  return [...byHub.values()];
}
