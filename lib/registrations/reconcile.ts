import type pg from "pg";
import type { DpsServiceClient } from "@/lib/dps/service/client";
import type { DpsFailure } from "@/lib/dps";
import type { DpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { explainServiceError } from "@/lib/integrations/azure-dps/explain-service-error";
import { withTransaction } from "@/db/transaction";
import type { ReconcileSliceOutcome } from "@/lib/provisioning/domains";
import { completeRun, storePage, type RunCounts } from "./records-store";
import { claimRun, dropOlderFindings, failRun, releaseRun } from "./run-lease";

/**
 * One slice of a reconciliation, as a queue job runs it: take the run, page through the group's
 * registration states from where the run stands (each page stored with the continuation token that
 * follows it), and when the last page is in, compare with the platform's devices. A slice gives the
 * run back after `sliceMs`, so jobs stay short and another worker can carry on; a worker that dies
 * mid-run leaves a stored token and a silent heartbeat, and the next job resumes after the last page
 * stored. Every request goes through the service client the caller paces.
 */

export type ReconcileDeps = {
  pool: pg.Pool;
  serviceClient: DpsServiceClient;
  loadCredentials: () => Promise<DpsServiceCredentials | null>;
  /** Items per page asked of DPS (x-ms-max-item-count). */
  pageSize?: number;
  sliceMs?: number;
  signal?: AbortSignal;
  now?: () => number;
};

/** The engine's outcome of a slice (lib/provisioning/domains.ts), with this domain's counts. */
export type SliceOutcome =
  Exclude<ReconcileSliceOutcome, { kind: "completed" }> | { kind: "completed"; counts: RunCounts };

export const DEFAULT_SLICE_MS = 60_000;
export const RETRY_LATER_MS = 30_000;
/** A run handed back this many times without finishing is given up, with the last reason. */
export const MAX_RESUMES = 50;

const PERMANENT: ReadonlySet<DpsFailure["kind"]> = new Set(["unauthorized", "not-found", "bad-request"]);

function describe(failure: DpsFailure): string {
  const explanation = explainServiceError({
    kind: failure.kind,
    cause: "cause" in failure ? failure.cause : null,
    httpStatus: failure.httpStatus,
    dpsErrorCode: failure.dpsErrorCode,
    message: failure.message,
  });
  return `${explanation.title}. ${explanation.detail} ${explanation.nextStep}`;
}

export async function runReconciliationSlice(
  deps: ReconcileDeps,
  runId: number,
  owner: string,
): Promise<SliceOutcome> {
  const now = deps.now ?? Date.now;
  const run = await claimRun(deps.pool, runId, owner);
  if (run === null) return { kind: "not-claimed" };
  if (run.resumes > MAX_RESUMES) {
    await failRun(deps.pool, runId, {
      kind: "gave-up",
      message: `Stopped after ${MAX_RESUMES} interruptions.`,
    });
    return { kind: "failed", reason: "gave-up" };
  }
  const credentials = await deps.loadCredentials();
  if (credentials === null) {
    const message =
      "No service connection string is stored any more: save one under Azure DPS → Edit → Advanced.";
    await failRun(deps.pool, runId, { kind: "not-configured", message });
    return { kind: "failed", reason: "not-configured" };
  }
  const started = now();
  const current = { id: run.id, owner, enrollmentGroupId: run.enrollmentGroupId };
  let token = run.continuationToken;
  // Every page was stored but the comparison did not happen (the worker stopped in between).
  let pagingDone = run.pages > 0 && token === null;
  while (!pagingDone) {
    if (deps.signal?.aborted) {
      await releaseRun(deps.pool, runId, owner, null);
      return { kind: "continue" };
    }
    const page = await deps.serviceClient.queryRegistrationStates(
      credentials.connection,
      run.enrollmentGroupId,
      { pageSize: deps.pageSize, continuationToken: token },
      deps.signal,
    );
    if (!page.ok) {
      if (page.failure.kind === "aborted") {
        await releaseRun(deps.pool, runId, owner, null);
        return { kind: "continue" };
      }
      if (PERMANENT.has(page.failure.kind)) {
        await failRun(deps.pool, runId, { kind: page.failure.kind, message: describe(page.failure) });
        return { kind: "failed", reason: page.failure.kind };
      }
      await releaseRun(deps.pool, runId, owner, { kind: page.failure.kind, message: describe(page.failure) });
      return { kind: "retry-later", delayMs: RETRY_LATER_MS };
    }
    const next = page.value.continuationToken;
    const stored = await withTransaction(deps.pool, (client) =>
      storePage(client, current, page.value.items, next),
    );
    if (!stored) return { kind: "not-claimed" };
    token = next;
    pagingDone = token === null;
    if (!pagingDone && now() - started >= (deps.sliceMs ?? DEFAULT_SLICE_MS)) {
      await releaseRun(deps.pool, runId, owner, null);
      return { kind: "continue" };
    }
  }
  const counts = await withTransaction(deps.pool, (client) => completeRun(client, runId, owner));
  if (counts === null) return { kind: "not-claimed" };
  await dropOlderFindings(deps.pool, runId);
  return { kind: "completed", counts };
}
