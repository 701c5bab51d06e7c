// Raw SQL: the record lookup spells registration_key collate "C" as its index does.
import type pg from "pg";
import type { DpsFailure } from "@/lib/dps";
import type { DpsServiceClient } from "@/lib/dps/service/client";
import type { DpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { explainServiceError } from "@/lib/integrations/azure-dps/explain-service-error";
import type { DpsErrorExplanation } from "@/lib/integrations/azure-dps/explain-dps-error";
import type { DeviceDetailDto } from "./device-dto";

/**
 * The DPS step of a removal: deleting the device's registration record, only one the app can show
 * is its own, under the etag it knows, so a record that changed since (the device registered again
 * elsewhere) is never deleted blindly.
 */

export function explainDpsFailure(failure: DpsFailure): DpsErrorExplanation {
  return explainServiceError({
    kind: failure.kind,
    cause: "cause" in failure ? failure.cause : null,
    httpStatus: failure.httpStatus,
    dpsErrorCode: failure.dpsErrorCode,
    message: failure.message,
  });
}

/** Why the app will not touch a record it cannot show is its own. */
export const OUTSIDE_GROUP_EXPLANATION = (
  registrationId: string,
  groupId: string | null,
): DpsErrorExplanation => ({
  title: "The registration record may not be the app's to delete",
  detail: `The app never saw ${registrationId} registered, and the last reconciliation of ${groupId ? `the enrollment group ${groupId}` : "its enrollment group"} did not list a record under that registration ID: the record DPS holds may belong to another enrollment.`,
  nextStep:
    "Run Reconcile now on the Registration records tab and try again if the record is listed there, or remove the device without deleting its record.",
});

export type RecordDeletion =
  | { ok: true; cleanup: "deleted" | "already-gone" }
  | { ok: false; failure: DpsFailure }
  | { ok: false; outsideGroup: true };

/** The etag under which the app may delete the device's record, or null when the record is not provably its own. */
export async function deletableEtag(
  pool: Pick<pg.Pool, "query">,
  credentials: DpsServiceCredentials,
  device: Pick<DeviceDetailDto, "etag" | "registrationId">,
): Promise<string | null> {
  if (device.etag !== null) return device.etag;
  const { rows } = await pool.query<{ etag: string | null }>(
    `select etag from dps_registration_records
     where registration_key collate "C" = lower($1) and ($2::text is null or enrollment_group_id = $2)`,
    [device.registrationId, credentials.enrollmentGroupId],
  );
  return rows[0]?.etag ?? null;
}

/**
 * Deletes only a record the app can show is its own: one it registered itself (the device row
 * holds the etag of that registration), or one the last reconciliation listed in the app's own
 * enrollment group (under the etag it listed). Any other record under that registration ID may
 * belong to another enrollment of the same DPS instance, and is refused.
 */
export async function deleteRecord(
  deps: { pool: Pick<pg.Pool, "query">; serviceClient: DpsServiceClient; signal?: AbortSignal },
  credentials: DpsServiceCredentials,
  device: DeviceDetailDto,
): Promise<RecordDeletion> {
  const etag = await deletableEtag(deps.pool, credentials, device);
  if (etag === null) return { ok: false, outsideGroup: true };
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

/** Why the app cannot delete any record at all; null when it can. */
export function cleanupUnavailable(credentials: DpsServiceCredentials | null): string | null {
  if (credentials === null)
    return "No service connection string is saved, so the registration record cannot be deleted in Azure DPS.";
  if (credentials.rights?.registrationStatusWrite === false) {
    return `The shared access policy "${credentials.connection.policyName}" may not delete registration records (it lacks Registration status write).`;
  }
  return null;
}
