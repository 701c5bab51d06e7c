import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import { queryBuilder, type Queryable } from "@/db/query-builder";
import { registrationFindings, registrationReconciliations as runs } from "@/db/schema/registrations";
import type { ReconciliationStatus } from "@/db/schema/registrations";

/**
 * A reconciliation run's life, as the reconciliation job (no user) and the data-access layer
 * (which checks permissions first) see it: created once, taken by one job at a time under a
 * heartbeat lease, resumed after a crash, finished, failed or handed back. What a run stores and
 * compares is set-based SQL in records-store.ts.
 */

export type RunRow = {
  id: number;
  status: ReconciliationStatus;
  enrollmentGroupId: string;
  continuationToken: string | null;
  pages: number;
  recordsSeen: number;
  resumes: number;
};

const RUN_COLUMNS = {
  id: runs.id,
  status: runs.status,
  enrollmentGroupId: runs.enrollmentGroupId,
  continuationToken: runs.continuationToken,
  pages: runs.pages,
  recordsSeen: runs.recordsSeen,
  resumes: runs.resumes,
};

/** How long a run's heartbeat may be silent before another job may take it over (a slice writes one per page). */
export const LEASE_SECONDS = 90;

const ACTIVE: ReconciliationStatus[] = ["queued", "running"];
const secondsAgo = (seconds: number) => sql`now() - make_interval(secs => ${seconds})`;
const heldBy = (runId: number, owner: string) =>
  and(eq(runs.id, runId), eq(runs.leaseOwner, owner), eq(runs.status, "running"));

/** Creates a queued run, or returns the one already queued or running (one at a time, by a unique index). */
export async function insertRun(
  db: Queryable,
  enrollmentGroupId: string,
  actor: { id: string; email: string } | null,
): Promise<{ id: number; created: boolean }> {
  const [created] = await queryBuilder(db)
    .insert(runs)
    .values({ enrollmentGroupId, requestedById: actor?.id ?? null, requestedByEmail: actor?.email ?? null })
    .onConflictDoNothing()
    .returning({ id: runs.id });
  if (created) return { id: created.id, created: true };
  const [active] = await queryBuilder(db)
    .select({ id: runs.id })
    .from(runs)
    .where(inArray(runs.status, ACTIVE));
  if (!active) throw new Error("no reconciliation was created and none is active");
  return { id: active.id, created: false };
}

/** Runs queued or running whose heartbeat (or creation) is three leases old: their job is gone, so they need a new one. */
export async function findStalledRuns(db: Queryable): Promise<number[]> {
  const rows = await queryBuilder(db)
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        inArray(runs.status, ACTIVE),
        lt(sql`coalesce(${runs.heartbeatAt}, ${runs.createdAt})`, secondsAgo(LEASE_SECONDS * 3)),
      ),
    );
  return rows.map((row) => row.id);
}

/**
 * Takes the run for `owner` (a job id) when it is queued, already this owner's, or its heartbeat went
 * silent (the worker running it died): the run then resumes from its stored continuation token.
 */
export async function claimRun(db: Queryable, runId: number, owner: string): Promise<RunRow | null> {
  const [row] = await queryBuilder(db)
    .update(runs)
    .set({
      status: "running",
      leaseOwner: owner,
      heartbeatAt: sql`now()`,
      startedAt: sql`coalesce(${runs.startedAt}, now())`,
      resumes: sql`${runs.resumes} + case when ${runs.status} = 'running' and ${runs.leaseOwner} is distinct from ${owner} then 1 else 0 end`,
    })
    .where(
      and(
        eq(runs.id, runId),
        or(
          eq(runs.status, "queued"),
          and(
            eq(runs.status, "running"),
            or(eq(runs.leaseOwner, owner), lt(runs.heartbeatAt, secondsAgo(LEASE_SECONDS))),
          ),
        ),
      ),
    )
    .returning(RUN_COLUMNS);
  return row ?? null;
}

export async function heartbeat(db: Queryable, runId: number, owner: string): Promise<boolean> {
  const { rowCount } = await queryBuilder(db)
    .update(runs)
    .set({ heartbeatAt: sql`now()` })
    .where(heldBy(runId, owner));
  return rowCount === 1;
}

/** The findings of runs before the latest completed one are no longer shown; dropped after the switch, not during it. */
export async function dropOlderFindings(db: Queryable, runId: number): Promise<void> {
  await queryBuilder(db).delete(registrationFindings).where(lt(registrationFindings.runId, runId));
}

export async function failRun(
  db: Queryable,
  runId: number,
  failure: { kind: string; message: string },
): Promise<void> {
  await queryBuilder(db)
    .update(runs)
    .set({
      status: "failed",
      finishedAt: sql`now()`,
      leaseOwner: null,
      failureKind: failure.kind.slice(0, 100),
      failureMessage: failure.message.slice(0, 500),
    })
    .where(and(eq(runs.id, runId), inArray(runs.status, ACTIVE)));
}

/** Hands the run back to the queue (DPS unreachable for now): the next job resumes from the stored token. */
export async function releaseRun(
  db: Queryable,
  runId: number,
  owner: string,
  note: { kind: string; message: string } | null,
): Promise<void> {
  await queryBuilder(db)
    .update(runs)
    .set({
      leaseOwner: null,
      status: "queued",
      failureKind: note?.kind ?? null,
      failureMessage: note?.message.slice(0, 500) ?? null,
    })
    .where(heldBy(runId, owner));
}
