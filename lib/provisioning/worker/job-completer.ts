import type PgBoss from "pg-boss";
import { isDatabaseUnreachable } from "@/db/connection-errors";
import { logger } from "@/lib/logger";
import { PROVISION_QUEUE } from "../queue/boss";

/** About two minutes of a database away; jobs not completed by then are handed out again and found done. */
const MAX_RETRIES = 120;

/** pg-boss `complete` for many jobs in one statement: at 100 jobs, or 100 ms after the first. */
export class JobCompleter {
  private ids: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Consecutive retries while the database is away; reset by a completion that gets through. */
  private retries = 0;

  constructor(private readonly boss: PgBoss) {}

  add(id: string): void {
    this.ids.push(id);
    if (this.ids.length >= 100) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 100);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ids = this.ids;
    this.ids = [];
    if (ids.length > 0) {
      this.flushing = this.flushing.then(() =>
        this.boss.complete(PROVISION_QUEUE, ids).then(
          () => {
            this.retries = 0;
          },
          (error: Error) => {
            if (isDatabaseUnreachable(error) && this.retries < MAX_RETRIES) {
              // The database is restarting: complete them once it is back.
              this.retries += 1;
              this.ids.push(...ids);
              this.timer ??= setTimeout(() => void this.flush(), 1_000);
              return;
            }
            logger.warn(
              { err: { message: error.message }, jobs: ids.length },
              "could not complete provisioning jobs; they will be handed out again and skipped",
            );
          },
        ),
      );
    }
    return this.flushing;
  }
}
