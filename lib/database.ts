import { env } from "@/lib/env";
import { closeDatabase, openDatabase, type Database } from "@/db/client";

export type { Database } from "@/db/client";

const globalForDb = globalThis as unknown as { hicDb?: Database; hicDbUrl?: string };

/**
 * One pool per process (and per dev-server reload), created on first use from DATABASE_URL.
 *
 * When the database restarts, the pool loses its idle connections and opens new ones on demand;
 * queries meanwhile fail, and pages say the database is unavailable (db/connection-errors.ts).
 */
export function getDb(): Database {
  const { DATABASE_URL: url, HIC_DB_POOL_SIZE: max } = env();
  if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start`, which provides it.");
  if (!globalForDb.hicDb || globalForDb.hicDbUrl !== url) {
    globalForDb.hicDb = openDatabase({
      url,
      max,
      onIdleConnectionError: (error) => void idleConnectionFailed(error),
    });
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
    import("./database-availability"),
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
  if (db) await closeDatabase(db);
}
