// Raw SQL: LISTEN/NOTIFY, which drizzle does not speak, on a connection of its own that listens.
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
 * Wakes the worker as soon as jobs are queued (JOBS_CHANNEL), instead of on its next poll, and
 * tells it at once when DPS's health changes (`extraChannels`, e.g. the circuit's). One connection
 * per worker process; it reconnects on its own (a database restart), and since notifications sent
 * while it was away are lost, every handler is called once it is back. Polling covers the gap.
 */
export function listenForJobs(
  onJobs: () => void,
  extraChannels: Record<string, () => void> = {},
): { close(): Promise<void> } {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let lostOnce = false;
  const handlers: Record<string, () => void> = { ...extraChannels, [JOBS_CHANNEL]: onJobs };

  const lost = (next: pg.Client, message: string) => {
    if (client !== next && client !== null) return;
    if (client === next) client = null;
    if (!closed)
      logger.warn({ err: { message } }, "provisioning notifications lost their connection; reconnecting");
    lostOnce = true;
    void next.end().catch(() => {});
    schedule();
  };

  const connect = async () => {
    const next = new pg.Client({
      connectionString: env().DATABASE_URL,
      application_name: "hic-provisioning-listen",
    });
    next.on("notification", (message) => handlers[message.channel]?.());
    next.on("error", (error) => lost(next, error.message));
    next.on("end", () => {
      if (!closed && client === next) lost(next, "connection ended");
    });
    try {
      await next.connect();
      for (const channel of Object.keys(handlers)) await next.query(`listen ${channel}`);
      if (closed) return void (await next.end());
      client = next;
      if (lostOnce) for (const handler of Object.values(handlers)) handler();
    } catch (error) {
      logger.warn(
        { err: { message: (error as Error).message } },
        "cannot listen for provisioning notifications; polling only until it can",
      );
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
