import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import { env } from "@/lib/env";
import * as schema from "./schema";
import { surviveLostConnections } from "./lost-connections";

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };

const globalForDb = globalThis as unknown as { hicDb?: Database; hicDbUrl?: string };

/**
 * One pool per process (and per dev-server reload), created on first use from DATABASE_URL.
 *
 * A database restart drops every idle connection of the pool, and pg reports that as an 'error'
 * event on the pool: without a listener Node would treat it as an uncaught exception and end the
 * process (the web server with it). The pool discards such a connection and opens a new one on the
 * next query, so logging it is all there is to do; queries meanwhile fail, and pages say the
 * database is unavailable (db/connection-errors.ts).
 */
export function getDb(): Database {
  const { DATABASE_URL: url, HIC_DB_POOL_SIZE: max } = env();
  if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start`, which provides it.");
  if (!globalForDb.hicDb || globalForDb.hicDbUrl !== url) {
    // A connection attempt to a host that does not answer must not hang a page for minutes.
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
    surviveLostConnections(pool, (error) => void idleConnectionFailed(error));
    globalForDb.hicDb = drizzle(pool, { schema, casing: "snake_case" }) as Database;
    globalForDb.hicDbUrl = url;
  }
  return globalForDb.hicDb;
}

// Imported on use: the logger reads the configuration when it loads, and this module is loaded by
// test set-up before that set-up has put the test database's URL into the environment.
// Noting the database as suspect makes the next page request check it (one quick query) in the
// proxy, which then answers with the plain "database unavailable" page if it is away.
async function idleConnectionFailed(error: Error): Promise<void> {
  const [{ logger }, { markDatabaseDown }] = await Promise.all([
    import("@/lib/logger"),
    import("./availability"),
  ]);
  markDatabaseDown({ suspectOnly: true });
  logger.warn(
    { err: { message: error.message } },
    "an idle database connection failed (database restarted?); the pool reconnects on demand",
  );
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
