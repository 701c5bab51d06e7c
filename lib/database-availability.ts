import { getDb } from "./database";
import { DatabaseUnavailableError, isDatabaseUnreachable } from "../db/connection-errors";
import { sql } from "drizzle-orm";

/**
 * Whether this process last found the database unreachable, shared by the app's bundles and the
 * proxy through globalThis. Set when a page meets a database that is away; while set, the proxy
 * answers page requests with a plain 503 page itself (see proxy.ts), and checks at most once a
 * second with one cheap query whether the database is back, which clears it.
 */
type Availability = { downSince: number | null; checkedAt: number; checking: Promise<boolean> | null };

const KEY = Symbol.for("hic.databaseAvailability");
const CHECK_EVERY_MS = 1_000;
const CHECK_TIMEOUT_MS = 2_000;

function state(): Availability {
  const global = globalThis as unknown as Record<symbol, Availability | undefined>;
  return (global[KEY] ??= { downSince: null, checkedAt: 0, checking: null });
}

/**
 * `suspectOnly`: a sign that may have another cause (an idle connection closed by the server), so
 * the next page request checks at once instead of trusting it for a second.
 */
export function markDatabaseDown(options: { suspectOnly?: boolean } = {}): void {
  const current = state();
  current.downSince ??= Date.now();
  current.checkedAt = options.suspectOnly ? 0 : Date.now();
}

/** False only while the database was found away and a fresh check (at most once a second) says it still is. */
export async function databaseSeemsAvailable(): Promise<boolean> {
  const current = state();
  if (current.downSince === null) return true;
  if (Date.now() - current.checkedAt < CHECK_EVERY_MS) return false;
  current.checking ??= (async () => {
    current.checkedAt = Date.now();
    try {
      await Promise.race([
        getDb().execute(sql`select 1`),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("no answer")), CHECK_TIMEOUT_MS).unref(),
        ),
      ]);
      current.downSince = null;
      return true;
    } catch {
      return false;
    } finally {
      current.checking = null;
    }
  })();
  return current.checking;
}

/** For pages: a database that cannot be reached becomes DatabaseUnavailableError (and is noted), anything else is rethrown as is. */
export async function orDatabaseUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!isDatabaseUnreachable(error)) throw error;
    markDatabaseDown();
    throw new DatabaseUnavailableError({ cause: error });
  }
}
