import "server-only";
import { getDb } from "@/lib/database";
import { requirePermission } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { loadDpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { dpsServiceClient, enqueueRemovals } from "@/lib/provisioning";
import { cleanupUnavailable, removeDeviceAndRecord, removalNotice, type RecordCleanup } from "./removal";
import { devices } from "@/db/schema/devices";
import { inArray } from "drizzle-orm";

/**
 * Removes one device at once; with `deleteDpsRecord`, its DPS registration record first (see
 * ./removal.ts). A refusal by DPS keeps the device and says why; the notice says what stays where.
 */
export async function removeDevice(
  id: number,
  options: { deleteDpsRecord?: boolean } = {},
): Promise<{ registrationId: string; dpsRecord: RecordCleanup; notice: string }> {
  const actor = await requirePermission("devices.manage");
  const deleteDpsRecord = options.deleteDpsRecord === true;
  const credentials = deleteDpsRecord ? await loadDpsServiceCredentials() : null;
  if (deleteDpsRecord) {
    const unavailable = cleanupUnavailable(credentials);
    if (unavailable) throw new UserFacingError(unavailable);
  }
  const outcome = await removeDeviceAndRecord(
    { pool: getDb().$client, serviceClient: dpsServiceClient(), credentials },
    id,
    { deleteDpsRecord, actor, bulk: false },
  );
  if (outcome.kind === "missing") throw new UserFacingError("That device was already removed.");
  if (outcome.kind === "not-removed") {
    throw new UserFacingError(
      `${outcome.device.registrationId} was not removed: ${outcome.explanation.title}. ${outcome.explanation.nextStep} (See its history.)`,
    );
  }
  return {
    registrationId: outcome.device.registrationId,
    dpsRecord: outcome.dpsRecord,
    notice: removalNotice(outcome.device.registrationId, outcome.device.assignedHub, outcome.dpsRecord),
  };
}

/** Removes a selection through the queue (one job per device), each the way removeDevice does it. */
export async function removeDevices(input: {
  deviceIds: number[];
  deleteDpsRecords?: boolean;
}): Promise<{ queued: number }> {
  const actor = await requirePermission("devices.manage");
  const deleteDpsRecord = input.deleteDpsRecords === true;
  if (deleteDpsRecord) {
    const unavailable = cleanupUnavailable(await loadDpsServiceCredentials());
    if (unavailable) throw new UserFacingError(unavailable);
  }
  const ids = [...new Set(input.deviceIds)];
  const rows = await getDb().select({ id: devices.id }).from(devices).where(inArray(devices.id, ids));
  if (rows.length === 0) throw new UserFacingError("None of the selected devices exists any more.");
  const queued = await enqueueRemovals(
    rows.map((row) => ({
      deviceId: row.id,
      deleteDpsRecord,
      actorId: actor.id,
      actorEmail: actor.email,
    })),
  );
  await recordAudit({
    actor,
    action: "devices.remove",
    target: `${queued} devices`,
    outcome: "success",
    detail: { queued, deleteDpsRecords: deleteDpsRecord },
  });
  return { queued };
}
