import "server-only";
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { endedSessions } from "@/db/schema";

/** The longest a session token lives (auth.ts), for tokens that do not say when they expire. */
const SESSION_MAX_AGE_MS = 8 * 60 * 60_000;

/** Ends one session on the server: its cookie, wherever copied, is refused from now on. */
export async function endSession(
  sessionId: string,
  expiresAtSeconds: number | null | undefined,
): Promise<void> {
  const expiresAt = expiresAtSeconds
    ? new Date(expiresAtSeconds * 1000)
    : new Date(Date.now() + SESSION_MAX_AGE_MS);
  await getDb().insert(endedSessions).values({ sessionId, expiresAt }).onConflictDoNothing();
  // Rows past their token's expiry say nothing any more.
  await getDb()
    .delete(endedSessions)
    .where(lt(endedSessions.expiresAt, sql`now()`));
}

export async function isSessionEnded(sessionId: string): Promise<boolean> {
  const rows = await getDb()
    .select({ id: endedSessions.sessionId })
    .from(endedSessions)
    .where(and(eq(endedSessions.sessionId, sessionId), gt(endedSessions.expiresAt, sql`now()`)))
    .limit(1);
  return rows.length > 0;
}
