import "server-only";
import { getDb } from "@/lib/database";
import { requirePermission } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import {
  loadDpsServiceCredentials,
  type DpsServiceCredentials,
} from "@/lib/integrations/azure-dps/credentials";
import { explainServiceError } from "@/lib/integrations/azure-dps/explain-service-error";
import { readDpsIntegrationRow } from "@/lib/integrations/azure-dps/integration-store";
import { dpsServiceClient, enqueueReconciliation } from "@/lib/provisioning";
import type { RegistrationRecordsFilter } from "@/lib/validation/registration-records";
import {
  exportFindingsCsv,
  findFinding,
  listFindings,
  type FindingsPage,
  type FindingsQuery,
} from "./list-findings";
import { forgetRegistration } from "./records-store";
import { insertRun } from "./run-lease";
import { latestRuns, toRunDto, type ReconciliationRunDto } from "./runs";
import { deviceCounts, devices } from "@/db/schema/devices";
import { and, gt, ne, sql } from "drizzle-orm";

/**
 * The Registration records view's data-access layer: every function checks its permission first
 * and returns DTOs. Reconciling and deleting call DPS's service API with the stored policy; its key
 * is decrypted here and never leaves the server.
 */

export type RegistrationRecordsOverview = {
  /** Whether a service connection string is saved, and what it may do. */
  service: {
    configured: boolean;
    policyName: string | null;
    canRead: boolean;
    canWrite: boolean;
    enrollmentGroupId: string | null;
  };
  /** The newest completed run: the one the findings and counts come from. */
  latest: ReconciliationRunDto | null;
  /** A run waiting or in progress, or the newest one if it failed after the latest completed one. */
  current: ReconciliationRunDto | null;
  /** Hubs to filter by: the platform's and the group's. */
  hubs: string[];
};

type ServiceState = {
  configured: boolean;
  policyName: string | null;
  canRead: boolean;
  enrollmentGroupId: string | null;
};

/** Why reconciliation cannot start, in words for the page; null when it can. */
function reconcileBlocker(service: ServiceState): string | null {
  if (!service.configured)
    return "Save a service connection string (Azure DPS → Edit → Advanced) to reconcile registration records.";
  if (!service.canRead)
    return `The shared access policy "${service.policyName}" may not read registration records: give it Registration status read.`;
  if (!service.enrollmentGroupId)
    return "The enrollment group is not known yet: test the connection, or enter the enrollment group ID under Azure DPS → Edit → Advanced.";
  return null;
}

function serviceStateOf(credentials: DpsServiceCredentials | null): ServiceState {
  return {
    configured: credentials !== null,
    policyName: credentials?.connection.policyName ?? null,
    canRead: credentials?.rights?.registrationStatusRead !== false,
    enrollmentGroupId: credentials?.enrollmentGroupId ?? null,
  };
}

export async function getRegistrationRecordsOverview(): Promise<
  RegistrationRecordsOverview & { blocker: string | null }
> {
  await requirePermission("registrations.view");
  const db = getDb().$client;
  const [row, runs, hubRows] = await Promise.all([
    readDpsIntegrationRow(),
    latestRuns(db),
    getDb()
      .selectDistinct({ hub: deviceCounts.hub })
      .from(deviceCounts)
      .where(and(ne(deviceCounts.hub, ""), gt(deviceCounts.count, 0)))
      .orderBy(deviceCounts.hub),
  ]);
  const configured = Boolean(row?.serviceKeyCiphertext && row.primaryKeyCiphertext);
  const rights = row?.serviceRights ?? null;
  const groupHubs = row?.enrollmentGroup?.iotHubs ?? [];
  const hubs = [...new Set([...hubRows.map((r) => r.hub), ...groupHubs])].sort();
  const service = {
    configured,
    policyName: configured ? (row?.servicePolicyName ?? null) : null,
    canRead: configured && rights?.registrationStatusRead !== false,
    canWrite: configured && rights?.registrationStatusWrite !== false,
    enrollmentGroupId: row?.enrollmentGroupId ?? null,
  };
  return {
    service,
    latest: runs.latest ? toRunDto(runs.latest) : null,
    current: runs.current ? toRunDto(runs.current) : null,
    hubs,
    blocker: reconcileBlocker(service),
  };
}

export async function listRegistrationFindings(
  filter: RegistrationRecordsFilter,
): Promise<FindingsPage & { runId: number | null }> {
  await requirePermission("registrations.view");
  const db = getDb().$client;
  const { latest } = await latestRuns(db);
  if (!latest) return { findings: [], nextCursor: null, prevCursor: null, runId: null };
  return { ...(await listFindings(db, latest.id, filter)), runId: latest.id };
}

export async function exportRegistrationFindings(filter: FindingsQuery): Promise<AsyncGenerator<string>> {
  await requirePermission("registrations.view");
  const db = getDb().$client;
  const { latest } = await latestRuns(db);
  if (!latest) throw new UserFacingError("No reconciliation has completed yet: there is nothing to export.");
  return exportFindingsCsv(db, latest.id, filter);
}

/** Queues a reconciliation (or returns the one already waiting or running). */
export async function requestReconciliation(): Promise<{ runId: number; created: boolean }> {
  const actor = await requirePermission("registrations.reconcile");
  const credentials = await loadDpsServiceCredentials();
  const blocker = reconcileBlocker(serviceStateOf(credentials));
  if (blocker) throw new UserFacingError(blocker);
  const run = await insertRun(getDb().$client, credentials!.enrollmentGroupId!, actor);
  if (run.created) await enqueueReconciliation(run.id);
  await recordAudit({
    actor,
    action: "registrations.reconcile",
    target: credentials!.enrollmentGroupId,
    outcome: "success",
    detail: { runId: run.id, alreadyRunning: !run.created },
  });
  return { runId: run.id, created: run.created };
}

/**
 * Deletes an orphan's registration record in DPS (under the etag the reconciliation read), after
 * checking it is still an orphan: a device of that ID in the platform now is removed from the devices
 * page instead. Its device identity in the IoT hub stays.
 */
export async function deleteOrphanRegistration(input: {
  registrationId: string;
}): Promise<{ registrationId: string; hub: string | null; alreadyGone: boolean }> {
  const actor = await requirePermission("registrations.delete");
  const db = getDb().$client;
  const { latest } = await latestRuns(db);
  const finding = latest ? await findFinding(db, latest.id, input.registrationId) : null;
  if (finding === null || finding.kind !== "orphan")
    throw new UserFacingError(
      `${input.registrationId} is not an orphan in the last reconciliation: reconcile again to see the records as they are now.`,
    );
  const [device] = await getDb()
    .select({ id: devices.id })
    .from(devices)
    .where(
      sql`lower(${devices.registrationId}) collate "C" = ${finding.registrationId.toLowerCase()} collate "C"`,
    )
    .limit(1);
  if (device)
    throw new UserFacingError(
      `A device ${finding.registrationId} exists in the platform now: remove it on the Devices page (with its registration record) instead.`,
    );
  const credentials = await loadDpsServiceCredentials();
  if (credentials === null)
    throw new UserFacingError(
      "No service connection string is saved: save one under Azure DPS → Edit → Advanced.",
    );
  if (credentials.rights?.registrationStatusWrite === false) {
    throw new UserFacingError(
      `The shared access policy "${credentials.connection.policyName}" may not delete registration records (it lacks Registration status write).`,
    );
  }
  const result = await dpsServiceClient().deleteRegistrationState(
    credentials.connection,
    finding.registrationId,
    finding.dpsEtag,
  );
  const alreadyGone = !result.ok && result.failure.kind === "not-found";
  if (!result.ok && !alreadyGone) {
    const failure = result.failure;
    const explanation = explainServiceError({
      kind: failure.kind,
      cause: "cause" in failure ? failure.cause : null,
      httpStatus: failure.httpStatus,
      dpsErrorCode: failure.dpsErrorCode,
      message: failure.message,
    });
    await recordAudit({
      actor,
      action: "registration.delete",
      target: finding.registrationId,
      outcome: "failure",
      detail: {
        reason: explanation.title,
        httpStatus: failure.httpStatus,
        dpsErrorCode: failure.dpsErrorCode,
      },
    });
    throw new UserFacingError(`${explanation.title}. ${explanation.nextStep}`);
  }
  await forgetRegistration(db, finding.registrationId);
  await recordAudit({
    actor,
    action: "registration.delete",
    target: finding.registrationId,
    outcome: "success",
    detail: {
      hub: finding.dpsHub,
      dpsRecord: alreadyGone ? "already gone" : "deleted",
      note: "the device identity in the IoT hub stays",
    },
  });
  return { registrationId: finding.registrationId, hub: finding.dpsHub, alreadyGone };
}
