import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema";
import { surviveLostConnections } from "./lost-connections";

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export type DatabaseOptions = {
  url: string;
  /** Connections in the pool. */
  max: number;
  /**
   * An idle connection of the pool failed (the server restarted or cut it off). The pool has
   * discarded it and opens a new one on the next query: the caller only says so.
   */
  onIdleConnectionError(error: Error): void;
};

/**
 * A pool and its drizzle database. The caller says where and how big (db/ reads no settings and
 * logs nothing itself: lib/database.ts holds the process's one database and does both).
 *
 * A database restart drops every idle connection of the pool, and pg reports that as an 'error'
 * event on the pool: without a listener Node would treat it as an uncaught exception and end the
 * process (the web server with it), hence the listener.
 */
export function openDatabase({ url, max, onIdleConnectionError }: DatabaseOptions): Database {
  // A connection attempt to a host that does not answer must not hang a page for minutes.
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  surviveLostConnections(pool, onIdleConnectionError);
  return drizzle(pool, { schema, casing: "snake_case" }) as Database;
}

export async function closeDatabase(db: Database): Promise<void> {
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
