import pg from "pg";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";

/** Postgres channel on which enqueuers tell idle workers that jobs are waiting. */
export const JOBS_CHANNEL = "hic_provisioning_jobs";

type Executor = Pick<pg.Pool, "query">;

/** Inside a transaction, the notification goes out when it commits (and not at all if it rolls back). */
export async function notifyWorkers(executor: Executor): Promise<void> {
  await executor.query("select pg_notify($1, '')", [JOBS_CHANNEL]);
}

/**
 * Wakes the worker as soon as jobs are queued, instead of on its next poll. One connection per
 * worker process; it reconnects on its own, and polling still covers the time it is away.
 */
export function listenForJobs(onJobs: () => void): { close(): Promise<void> } {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const connect = async () => {
    const next = new pg.Client({ connectionString: env().DATABASE_URL, application_name: "hic-provisioning-listen" });
    next.on("notification", () => onJobs());
    next.on("error", (error) => {
      logger.warn({ err: { message: error.message } }, "provisioning job notifications lost their connection; reconnecting");
      void next.end().catch(() => {});
      if (client === next) client = null;
      schedule();
    });
    try {
      await next.connect();
      await next.query(`listen ${JOBS_CHANNEL}`);
      if (closed) return void (await next.end());
      client = next;
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, "cannot listen for provisioning job notifications; polling only");
      void next.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, 2_000);
    retry.unref();
  };
  void connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
