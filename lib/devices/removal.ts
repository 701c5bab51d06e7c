// Raw SQL: the record lookup spells registration_key collate "C" as its index does; the "not
// removed" history row is written on the engine's pool beside it.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { DpsFailure } from "@/lib/dps";
import type { DpsServiceClient } from "@/lib/dps/service/client";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import type { DpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { explainServiceError } from "@/lib/integrations/azure-dps/explain-service-error";
import type { DpsErrorExplanation } from "@/lib/integrations/azure-dps/explain-dps-error";
import { forgetRegistration } from "@/lib/registrations/records-store";
import { deleteDevice, findDevice } from "./device-store";
import type { DeviceDetailDto } from "./device-dto";

/**
 * Removing a device, and (when asked, and the service credential may write) its registration record
 * in DPS. The record goes first, under the etag of the device's last registration, so a record that
 * changed since (the device registered again elsewhere) is never deleted blindly; if DPS refuses, the
 * device stays in the platform with the reason in its history, and nothing is left half done. The
 * device's identity in its IoT hub is never touched: DPS does not delete it, and neither do we.
 * Used inline for one device and by the removal queue's worker for a selection.
 */

export type RecordCleanup = "deleted" | "already-gone" | "kept";

export type RemovalOutcome =
  | { kind: "removed"; device: DeviceDetailDto; dpsRecord: RecordCleanup }
  | { kind: "not-removed"; device: DeviceDetailDto; explanation: DpsErrorExplanation }
  | { kind: "missing" };

export type RemovalDeps = {
  pool: Pick<pg.Pool, "query">;
  serviceClient: DpsServiceClient;
  credentials: DpsServiceCredentials | null;
  signal?: AbortSignal;
};

function explain(failure: DpsFailure): DpsErrorExplanation {
  return explainServiceError({
    kind: failure.kind,
    cause: "cause" in failure ? failure.cause : null,
    httpStatus: failure.httpStatus,
    dpsErrorCode: failure.dpsErrorCode,
    message: failure.message,
  });
}

/** Why the app will not touch a record it cannot show is its own; the device stays. */
export const OUTSIDE_GROUP_EXPLANATION = (
  registrationId: string,
  groupId: string | null,
): DpsErrorExplanation => ({
  title: "The registration record may not be the app's to delete",
  detail: `The app never saw ${registrationId} registered, and the last reconciliation of ${groupId ? `the enrollment group ${groupId}` : "its enrollment group"} did not list a record under that registration ID: the record DPS holds may belong to another enrollment.`,
  nextStep:
    "Run Reconcile now on the Registration records tab and try again if the record is listed there, or remove the device without deleting its record.",
});

type RecordDeletion =
  | { ok: true; cleanup: RecordCleanup }
  | { ok: false; failure: DpsFailure }
  | { ok: false; outsideGroup: true };

/**
 * Deletes only a record the app can show is its own: one it registered itself (the device row
 * holds the etag of that registration), or one the last reconciliation listed in the app's own
 * enrollment group (under the etag it listed). Any other record under that registration ID may
 * belong to another enrollment of the same DPS instance, and is refused.
 */
async function deleteRecord(
  deps: RemovalDeps,
  credentials: DpsServiceCredentials,
  device: DeviceDetailDto,
): Promise<RecordDeletion> {
  let etag = device.etag;
  if (etag === null) {
    const { rows } = await deps.pool.query<{ etag: string | null }>(
      `select etag from dps_registration_records
       where registration_key collate "C" = lower($1) and ($2::text is null or enrollment_group_id = $2)`,
      [device.registrationId, credentials.enrollmentGroupId],
    );
    if (!rows[0]?.etag) return { ok: false, outsideGroup: true };
    etag = rows[0].etag;
  }
  const deleted = await deps.serviceClient.deleteRegistrationState(
    credentials.connection,
    device.registrationId,
    etag,
    deps.signal,
  );
  if (deleted.ok) return { ok: true, cleanup: "deleted" };
  if (deleted.failure.kind === "not-found") return { ok: true, cleanup: "already-gone" };
  return { ok: false, failure: deleted.failure };
}

/** Why a removal with cleanup cannot even be tried; null when it can. */
export function cleanupUnavailable(credentials: DpsServiceCredentials | null): string | null {
  if (credentials === null)
    return "No service connection string is saved, so the registration record cannot be deleted in Azure DPS.";
  if (credentials.rights?.registrationStatusWrite === false) {
    return `The shared access policy "${credentials.connection.policyName}" may not delete registration records (it lacks Registration status write).`;
  }
  return null;
}

export async function removeDeviceAndRecord(
  deps: RemovalDeps,
  deviceId: number,
  options: { deleteDpsRecord: boolean; actor: Actor; bulk: boolean },
): Promise<RemovalOutcome> {
  const device = await findDevice(deviceId);
  if (device === null) return { kind: "missing" };
  let cleanup: RecordCleanup = "kept";
  if (options.deleteDpsRecord) {
    const started = new Date();
    const unavailable = cleanupUnavailable(deps.credentials);
    const result: RecordDeletion = unavailable
      ? {
          ok: false,
          failure: {
            kind: "unauthorized",
            httpStatus: null,
            dpsErrorCode: null,
            trackingId: null,
            message: unavailable,
          },
        }
      : await deleteRecord(deps, deps.credentials!, device);
    // A stopping worker: not DPS's verdict, so nothing is recorded and the queue hands the job out again.
    if (!result.ok && "failure" in result && result.failure.kind === "aborted")
      throw new Error("the DPS call was cancelled; the removal was not done");
    if (!result.ok) {
      const failure: DpsFailure =
        "failure" in result
          ? result.failure
          : {
              kind: "unauthorized",
              httpStatus: null,
              dpsErrorCode: null,
              trackingId: null,
              message: "record outside the app's enrollment group",
            };
      const explanation = !("failure" in result)
        ? OUTSIDE_GROUP_EXPLANATION(device.registrationId, deps.credentials?.enrollmentGroupId ?? null)
        : unavailable
          ? {
              title: "The registration record cannot be deleted",
              detail: unavailable,
              nextStep:
                "Remove the device without deleting its record, or save a service connection string whose policy has Registration status write.",
            }
          : explain(failure);
      await deps.pool.query(
        `insert into provisioning_history (device_id, attempt_id, started_at, trigger, outcome, hub, error_kind, error_code, error_message, duration_ms, triggered_by_id, triggered_by_email)
         values ($1, $2, $3, 'remove', 'not removed', $4, $5, $6, $7, $8, $9, $10)`,
        [
          device.id,
          randomUUID(),
          started,
          device.assignedHub,
          "failure" in result ? `removal:${failure.kind}` : "removal:outside-group",
          failure.dpsErrorCode
            ? String(failure.dpsErrorCode)
            : failure.httpStatus
              ? String(failure.httpStatus)
              : null,
          `${explanation.title}. ${explanation.detail}`.slice(0, 500),
          Date.now() - started.getTime(),
          options.actor?.id || null,
          options.actor?.email ?? null,
        ],
      );
      await recordAudit({
        actor: options.actor,
        action: "device.remove",
        target: device.registrationId,
        outcome: "failure",
        detail: {
          bulk: options.bulk,
          dpsRecord: "not deleted",
          reason: explanation.title,
          httpStatus: failure.httpStatus,
          dpsErrorCode: failure.dpsErrorCode,
          deviceKept: true,
        },
      });
      return { kind: "not-removed", device, explanation };
    }
    cleanup = result.cleanup;
  }
  const removed = await deleteDevice(deviceId);
  if (removed === null) return { kind: "missing" };
  if (cleanup !== "kept") await forgetRegistration(deps.pool, removed.registrationId);
  await recordAudit({
    actor: options.actor,
    action: "device.remove",
    target: removed.registrationId,
    outcome: "success",
    detail: {
      bulk: options.bulk,
      lastHub: removed.assignedHub,
      dpsRecord: cleanup === "kept" ? "kept" : cleanup === "deleted" ? "deleted" : "already gone",
      note: removalNotice(removed.registrationId, removed.assignedHub, cleanup),
    },
  });
  return { kind: "removed", device: removed, dpsRecord: cleanup };
}

/** Exactly what stays where, for the toast, the audit log and the dialog. */
export function removalNotice(registrationId: string, hub: string | null, cleanup: RecordCleanup): string {
  const identity = hub
    ? `Its device identity stays in the IoT hub ${hub}`
    : "Any device identity it has in an IoT hub stays";
  if (cleanup === "kept")
    return `${registrationId} was removed from the platform. It stays registered in the Azure DPS enrollment group (its registration record is kept), and its device identity stays in ${hub ? `the IoT hub ${hub}` : "its IoT hub"}.`;
  const record =
    cleanup === "deleted"
      ? "its registration record was deleted from Azure DPS"
      : "Azure DPS had no registration record for it any more";
  return `${registrationId} was removed from the platform and ${record}. ${identity}: delete it there too if the device must no longer connect.`;
}
