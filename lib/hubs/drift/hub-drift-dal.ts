import "server-only";
// Raw SQL: the plan (is an identity still unknown? one union over devices and DPS records by case-folded key).
import { getDb } from "@/lib/database";
import { requirePermission } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { enqueueHubDrift } from "@/lib/provisioning";
import { hubRegistryClient } from "@/lib/iot-hub/service";
import { listHubCredentialSummaries, loadHubConnection } from "@/lib/hubs/hub-credentials-store";
import type { HubDriftFilter } from "@/lib/validation/hub-drift";
import { forgetIdentity, insertDriftRun } from "./drift-store";
import { latestCompletedDriftRunId, latestDriftRuns, type HubDriftRunDto } from "./drift-runs";
import { findOrphanIdentity, listDriftFindings, type DriftFindingsPage } from "./list-drift-findings";

/**
 * The Hub drift view's data-access layer: every function checks its permission first and returns
 * DTOs. Reading hubs happens on the queue (lib/hubs/drift/drift-slice.ts); deleting an orphan identity
 * calls the hub's registry here, with the saved policy, whose key never leaves the server.
 */

export type HubDriftOverview = {
  /** Hubs with saved credentials, and whether the saved policy may read and delete identities. */
  credentials: Array<{ hubHost: string; policyName: string; canRead: boolean; canWrite: boolean }>;
  latest: HubDriftRunDto | null;
  current: HubDriftRunDto | null;
  /** Hubs to filter by: the ones the latest run covered. */
  hubs: string[];
  /** Why a run cannot start, in words for the page; null when it can. */
  blocker: string | null;
};

function blockerOf(credentials: HubDriftOverview["credentials"]): string | null {
  if (credentials.length === 0)
    return "Save a hub connection string (Integration → Azure DPS → IoT hubs) for each hub to compare: at least registryRead.";
  if (!credentials.some((hub) => hub.canRead))
    return "None of the saved hub policies may read identities: save one with registryRead for each hub.";
  return null;
}

async function savedCredentials(): Promise<HubDriftOverview["credentials"]> {
  const summaries = await listHubCredentialSummaries();
  return summaries.map((summary) => ({
    hubHost: summary.hubHost,
    policyName: summary.policyName,
    // Not probed yet: the run finds out, and reports the hub if it may not read.
    canRead: summary.rights?.registryRead !== false,
    canWrite: summary.rights?.registryWrite !== false,
  }));
}

export async function getHubDriftOverview(): Promise<HubDriftOverview> {
  await requirePermission("registrations.view");
  const db = getDb().$client;
  const [credentials, runs] = await Promise.all([savedCredentials(), latestDriftRuns(db)]);
  return {
    credentials,
    latest: runs.latest,
    current: runs.current,
    hubs: runs.latest ? runs.latest.hubs.map((hub) => hub.hubHost) : [],
    blocker: blockerOf(credentials),
  };
}

export async function listHubDriftFindings(
  filter: HubDriftFilter,
): Promise<DriftFindingsPage & { runId: number | null }> {
  await requirePermission("registrations.view");
  const db = getDb().$client;
  const runId = await latestCompletedDriftRunId(db);
  if (runId === null) return { findings: [], nextCursor: null, prevCursor: null, runId: null };
  return { ...(await listDriftFindings(db, runId, filter)), runId };
}

/** Queues a drift run over every hub whose saved policy may read (or returns the one already waiting or running). */
export async function requestHubDrift(): Promise<{ runId: number; created: boolean; hubs: number }> {
  const actor = await requirePermission("registrations.reconcile");
  const credentials = await savedCredentials();
  const blocker = blockerOf(credentials);
  if (blocker) throw new UserFacingError(blocker);
  const hubs = credentials.filter((hub) => hub.canRead).map((hub) => hub.hubHost);
  const run = await insertDriftRun(getDb().$client, hubs, actor);
  if (run.created) await enqueueHubDrift(run.id);
  await recordAudit({
    actor,
    action: "hubs.drift",
    target: hubs.join(", ").slice(0, 500),
    outcome: "success",
    detail: { runId: run.id, alreadyRunning: !run.created, hubs: hubs.length },
  });
  return { runId: run.id, created: run.created, hubs: hubs.length };
}

/**
 * Deletes an orphan identity in its hub (under the etag the drift run read), after checking it is
 * still an orphan: a device or a DPS record of that ID now means it is not one. A 404 counts as done.
 */
export async function deleteOrphanIdentity(input: {
  hubHost: string;
  deviceId: string;
}): Promise<{ hubHost: string; deviceId: string; alreadyGone: boolean }> {
  const actor = await requirePermission("registrations.delete");
  const db = getDb().$client;
  const runId = await latestCompletedDriftRunId(db);
  const finding = runId === null ? null : await findOrphanIdentity(db, runId, input.hubHost, input.deviceId);
  if (finding === null)
    throw new UserFacingError(
      `${input.deviceId} in ${input.hubHost} is not an orphan in the last drift check: check the hubs again to see them as they are now.`,
    );
  const key = finding.deviceId.toLowerCase();
  const { rowCount } = await db.query(
    `select 1 from devices where lower(registration_id) = $1 or lower(dps_device_id) = $1
     union all select 1 from dps_registration_records where registration_key collate "C" = $1 collate "C" or lower(device_id) = $1`,
    [key],
  );
  if (rowCount)
    throw new UserFacingError(
      `The platform or DPS knows ${finding.deviceId} now: it is not an orphan any more. Check the hubs again.`,
    );
  const saved = await loadHubConnection(finding.hubHost);
  if (saved === null)
    throw new UserFacingError(
      `No credentials are saved for ${finding.hubHost}: save its connection string (registryReadWrite) first.`,
    );
  if (saved.rights?.registryWrite === false)
    throw new UserFacingError(
      `The policy "${saved.connection.policyName}" saved for ${finding.hubHost} may not delete identities: save one with registryReadWrite.`,
    );
  const result = await hubRegistryClient().deleteIdentity(saved.connection, finding.deviceId, finding.etag);
  const alreadyGone = !result.ok && result.failure.kind === "not-found";
  if (!result.ok && !alreadyGone) {
    const { kind, status } = result.failure;
    await recordAudit({
      actor,
      action: "hub-identity.delete",
      target: `${finding.hubHost}/${finding.deviceId}`,
      outcome: "failure",
      detail: { reason: kind, httpStatus: status },
    });
    throw new UserFacingError(deleteFailureMessage(kind, finding.hubHost, finding.deviceId));
  }
  await forgetIdentity(db, runId!, finding.hubHost, finding.deviceId);
  await recordAudit({
    actor,
    action: "hub-identity.delete",
    target: `${finding.hubHost}/${finding.deviceId}`,
    outcome: "success",
    detail: { identity: alreadyGone ? "already gone" : "deleted", finding: "orphan" },
  });
  return { hubHost: finding.hubHost, deviceId: finding.deviceId, alreadyGone };
}

function deleteFailureMessage(kind: string, hubHost: string, deviceId: string): string {
  switch (kind) {
    case "precondition-failed":
      return `${deviceId} changed in ${hubHost} since the last drift check: check the hubs again before deleting it.`;
    case "unauthorized":
      return `${hubHost} refused the saved credentials: save the hub's connection string again.`;
    case "forbidden":
      return `The policy saved for ${hubHost} may not delete identities: save one with registryReadWrite.`;
    case "throttled":
      return `${hubHost} is throttling requests: try again in a minute.`;
    case "unreachable":
      return `${hubHost} did not answer: try again when it is reachable.`;
    default:
      return `${hubHost} did not delete ${deviceId} (${kind}): try again, or delete it in the Azure portal.`;
  }
}
