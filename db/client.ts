import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import { env } from "@/lib/env";
import * as schema from "./schema";

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };

const globalForDb = globalThis as unknown as { hicDb?: Database; hicDbUrl?: string };

/** One pool per process (and per dev-server reload), created on first use from DATABASE_URL. */
export function getDb(): Database {
  const { DATABASE_URL: url, HIC_DB_POOL_SIZE: max } = env();
  if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start`, which provides it.");
  if (!globalForDb.hicDb || globalForDb.hicDbUrl !== url) {
    const pool = new pg.Pool({ connectionString: url, max });
    // An idle connection the server cut (restart, failover, outage) must not end the process: the
    // pool drops it, and the next query connects again.
    // (The logger is imported only then: it reads the configuration when loaded, which must not happen before the caller sets it.)
    pool.on("error", (error) => void import("@/lib/logger").then(({ logger }) => logger.warn({ err: { message: error.message } }, "idle database connection failed")));
    globalForDb.hicDb = drizzle(pool, { schema, casing: "snake_case" }) as Database;
    globalForDb.hicDbUrl = url;
  }
  return globalForDb.hicDb;
}

export async function closeDb(): Promise<void> {
  const db = globalForDb.hicDb;
  globalForDb.hicDb = undefined;
  if (!db) return;
  const pool = db.$client;
  // end() resolves before its connections have said goodbye. Wait for them too: a database
  // dropped or stopped right after would cut one off mid-way, an error nobody listens for.
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on("remove", () => {
      if (--open <= 0) resolve();
    });
  });
  await pool.end();
  await closed;
}
