import type pg from "pg";
import { withTransaction } from "@/db/transaction";
import type { ReconcileSliceOutcome } from "@/lib/provisioning/domains";
import {
  claimDriftRun,
  completeDriftRun,
  dropOlderDriftData,
  failDriftRun,
  markHubNotRead,
  noteHubWait,
  releaseDriftRun,
  runHubs,
  storeIdentityPage,
  type DriftCounts,
  type DriftIdentity,
} from "./drift-store";

/**
 * One slice of a hub drift run, as a RECONCILE queue job runs it: take the run, page through each
 * pending hub's identities from where that hub stands (each page stored with the token after it),
 * and once every hub is read or reported not read, compare in SQL. A slice gives the run back after
 * `sliceMs`; a hub that throttles or does not answer hands the run back to wait, and after
 * `maxWaits` such waits it is reported not read, with why, while the other hubs are compared.
 */

/** The registry client's failure kinds (lib/iot-hub/service), as far as the drift tells them apart. */
export type DriftFailure = { kind: string; status: number | null; message: string };
export type DriftPage =
  | { ok: true; value: { items: DriftIdentity[]; continuationToken: string | null } }
  | { ok: false; failure: DriftFailure };

export type DriftDeps<Connection> = {
  pool: pg.Pool;
  /** The hub's saved connection and probed rights; null when none is saved. Throws when it cannot be decrypted. */
  loadHubConnection(
    hubHost: string,
  ): Promise<{ connection: Connection; rights: { registryRead: boolean } | null } | null>;
  queryIdentities(
    connection: Connection,
    page: { pageSize?: number; continuationToken?: string | null },
    signal?: AbortSignal,
  ): Promise<DriftPage>;
  pageSize?: number;
  sliceMs?: number;
  maxWaits?: number;
  signal?: AbortSignal;
  now?: () => number;
};

export type DriftSliceOutcome =
  Exclude<ReconcileSliceOutcome, { kind: "completed" }> | { kind: "completed"; counts: DriftCounts };

export const DRIFT_SLICE_MS = 60_000;
export const DRIFT_RETRY_LATER_MS = 30_000;
/** Waits for one hub (throttled, unreachable, 5xx) before it is reported not read. */
export const DRIFT_MAX_WAITS = 5;
export const DRIFT_MAX_RESUMES = 50;
/** The devices query's largest page. */
export const DRIFT_PAGE_SIZE = 1000;

/** Failures worth waiting out; every other one means this hub cannot be read with what is saved. */
const TRANSIENT = new Set(["throttled", "unreachable", "server", "aborted"]);

function describe(hubHost: string, failure: DriftFailure): string {
  switch (failure.kind) {
    case "unauthorized":
      return `${hubHost} refused the saved credentials (401): save the hub's connection string again.`;
    case "forbidden":
      return `The saved policy may not read ${hubHost}'s identities (403): use a policy with registryRead.`;
    case "throttled":
      return `${hubHost} throttled the devices query (429).`;
    case "unreachable":
      return `${hubHost} did not answer.`;
    case "server":
      return `${hubHost} answered with a server error${failure.status ? ` (${failure.status})` : ""}.`;
    case "not-allowed-host":
      return `${hubHost} is not an allowed IoT hub address.`;
    default:
      return `${hubHost} could not be read: ${failure.message}`;
  }
}

export async function runDriftSlice<Connection>(
  deps: DriftDeps<Connection>,
  runId: number,
  owner: string,
): Promise<DriftSliceOutcome> {
  const now = deps.now ?? Date.now;
  const run = await claimDriftRun(deps.pool, runId, owner);
  if (run === null) return { kind: "not-claimed" };
  if (run.resumes > DRIFT_MAX_RESUMES) {
    await failDriftRun(deps.pool, runId, {
      kind: "gave-up",
      message: `Stopped after ${DRIFT_MAX_RESUMES} interruptions.`,
    });
    return { kind: "failed", reason: "gave-up" };
  }
  const started = now();
  const current = { id: runId, owner };
  for (const hub of await runHubs(deps.pool, runId)) {
    if (hub.status !== "pending") continue;
    let saved;
    try {
      saved = await deps.loadHubConnection(hub.hubHost);
    } catch {
      await markHubNotRead(
        deps.pool,
        runId,
        hub.hubHost,
        `The credentials saved for ${hub.hubHost} cannot be decrypted (saved under another HIC_SECRET_KEY): save them again.`,
      );
      continue;
    }
    if (saved === null) {
      await markHubNotRead(
        deps.pool,
        runId,
        hub.hubHost,
        `No credentials are saved for ${hub.hubHost} any more.`,
      );
      continue;
    }
    if (saved.rights?.registryRead === false) {
      await markHubNotRead(
        deps.pool,
        runId,
        hub.hubHost,
        `The policy saved for ${hub.hubHost} may not read identities: use one with registryRead.`,
      );
      continue;
    }
    let token = hub.continuationToken;
    for (;;) {
      if (deps.signal?.aborted) {
        await releaseDriftRun(deps.pool, runId, owner, null);
        return { kind: "continue" };
      }
      const page = await deps.queryIdentities(
        saved.connection,
        { pageSize: deps.pageSize ?? DRIFT_PAGE_SIZE, continuationToken: token },
        deps.signal,
      );
      if (!page.ok) {
        if (deps.signal?.aborted) {
          await releaseDriftRun(deps.pool, runId, owner, null);
          return { kind: "continue" };
        }
        const problem = describe(hub.hubHost, page.failure);
        if (!TRANSIENT.has(page.failure.kind)) {
          await markHubNotRead(deps.pool, runId, hub.hubHost, problem);
          break;
        }
        const waits = await noteHubWait(deps.pool, runId, hub.hubHost, problem);
        if (waits >= (deps.maxWaits ?? DRIFT_MAX_WAITS)) {
          await markHubNotRead(deps.pool, runId, hub.hubHost, `${problem} Gave up after ${waits} tries.`);
          break;
        }
        await releaseDriftRun(deps.pool, runId, owner, {
          kind: page.failure.kind,
          message: `${problem} Waiting to try again (${waits} of ${deps.maxWaits ?? DRIFT_MAX_WAITS}).`,
        });
        return { kind: "retry-later", delayMs: DRIFT_RETRY_LATER_MS };
      }
      const next = page.value.continuationToken;
      const stored = await withTransaction(deps.pool, (client) =>
        storeIdentityPage(client, current, hub.hubHost, page.value.items, next),
      );
      if (!stored) return { kind: "not-claimed" };
      token = next;
      if (token === null) break;
      if (now() - started >= (deps.sliceMs ?? DRIFT_SLICE_MS)) {
        await releaseDriftRun(deps.pool, runId, owner, null);
        return { kind: "continue" };
      }
    }
  }
  const counts = await withTransaction(deps.pool, (client) => completeDriftRun(client, runId, owner));
  if (counts === null) return { kind: "not-claimed" };
  await dropOlderDriftData(deps.pool, runId);
  return { kind: "completed", counts };
}
