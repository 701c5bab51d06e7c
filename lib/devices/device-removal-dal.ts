import "server-only";
import { getDb } from "@/lib/database";
import { requirePermission } from "@/lib/auth/current-user";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { loadDpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { listHubCredentialSummaries, loadHubConnection } from "@/lib/hubs/hub-credentials-store";
import { hubRegistryClient } from "@/lib/iot-hub/service";
import { dpsServiceClient, enqueueRemovals } from "@/lib/provisioning";
import { removeDeviceInSteps, type RemovalOutcome, type RemovalRequest } from "./removal";
import { cleanupUnavailable } from "./removal-dps-step";
import { previewRemoval as preview } from "./removal-preview";
import type { IncompleteRemovalDto, RemovalChoice, RemovalPreviewDto } from "./removal-dto";
import { devices } from "@/db/schema/devices";
import { deviceRemovals } from "@/db/schema/hub-lifecycle";
import { count, desc, eq, inArray } from "drizzle-orm";

/**
 * Removing devices (./removal.ts has the steps): one at once, a selection through the queue, the
 * preview the dialog shows first, and what to do with a removal that could not finish.
 */

type RemovalOptions = { choice: RemovalChoice; leaveUncleanable: boolean };

/** What the dialog shows before anything runs: per device for one, counts for a selection. */
export async function previewRemoval(deviceIds: number[]): Promise<RemovalPreviewDto> {
  await requirePermission("devices.manage");
  const [credentials, hubs] = await Promise.all([loadDpsServiceCredentials(), listHubCredentialSummaries()]);
  return preview(getDb().$client, deviceIds, credentials, hubs);
}

/** Refused up front: asked to delete DPS records while the app can delete none, and not told to leave them. */
async function refuseImpossibleCleanup(options: RemovalOptions) {
  if (options.choice !== "clean") return null;
  const credentials = await loadDpsServiceCredentials();
  const unavailable = cleanupUnavailable(credentials);
  if (unavailable && !options.leaveUncleanable)
    throw new UserFacingError(
      `${unavailable} Choose "Remove anyway, leaving what cannot be cleaned", or another way to remove.`,
    );
  return credentials;
}

async function runInline(id: number, options: RemovalOptions, actor: Actor): Promise<RemovalOutcome> {
  const credentials = await refuseImpossibleCleanup(options);
  const request: RemovalRequest = { ...options, actor, bulk: false };
  return removeDeviceInSteps(
    {
      pool: getDb().$client,
      serviceClient: dpsServiceClient(),
      credentials,
      hubClient: hubRegistryClient(),
      loadHub: loadHubConnection,
    },
    id,
    request,
  );
}

function toResult(outcome: RemovalOutcome): { registrationId: string; notice: string } {
  if (outcome.kind === "missing") throw new UserFacingError("That device was already removed.");
  if (outcome.kind === "incomplete") throw new UserFacingError(outcome.notice);
  return { registrationId: outcome.device.registrationId, notice: outcome.notice };
}

/** Removes one device at once, the chosen way; a step that fails keeps it, marked, and says why. */
export async function removeDevice(
  id: number,
  options: RemovalOptions = { choice: "platform", leaveUncleanable: false },
): Promise<{ registrationId: string; notice: string }> {
  const actor = await requirePermission("devices.manage");
  return toResult(await runInline(id, options, actor));
}

/** Runs an incomplete removal again, the way it was asked; what is done already is skipped. */
export async function retryRemoval(id: number): Promise<{ registrationId: string; notice: string }> {
  const actor = await requirePermission("devices.manage");
  const [asked] = await getDb()
    .select({ choice: deviceRemovals.choice, leaveUncleanable: deviceRemovals.leaveUncleanable })
    .from(deviceRemovals)
    .where(eq(deviceRemovals.deviceId, id));
  if (!asked) throw new UserFacingError("That device has no incomplete removal to retry.");
  return toResult(await runInline(id, asked, actor));
}

/** Gives up an incomplete removal: the device stays, unmarked (what was done stays done, and is audited). */
export async function keepDevice(id: number): Promise<{ registrationId: string }> {
  const actor = await requirePermission("devices.manage");
  const [kept] = await getDb().delete(deviceRemovals).where(eq(deviceRemovals.deviceId, id)).returning({
    choice: deviceRemovals.choice,
    dpsRecord: deviceRemovals.dpsRecord,
    hubIdentity: deviceRemovals.hubIdentity,
  });
  if (!kept) throw new UserFacingError("That device has no incomplete removal.");
  const [device] = await getDb()
    .select({ registrationId: devices.registrationId })
    .from(devices)
    .where(eq(devices.id, id));
  await recordAudit({
    actor,
    action: "device.keep",
    target: device?.registrationId ?? null,
    outcome: "success",
    detail: { abandonedChoice: kept.choice, dpsRecord: kept.dpsRecord, hubIdentity: kept.hubIdentity },
  });
  return { registrationId: device?.registrationId ?? "The device" };
}

/** Removes a selection through the queue (one job per device), each the way removeDevice does it. */
export async function removeDevices(input: {
  deviceIds: number[];
  choice: RemovalChoice;
  leaveUncleanable: boolean;
}): Promise<{ queued: number }> {
  const actor = await requirePermission("devices.manage");
  await refuseImpossibleCleanup(input);
  const ids = [...new Set(input.deviceIds)];
  const rows = await getDb().select({ id: devices.id }).from(devices).where(inArray(devices.id, ids));
  if (rows.length === 0) throw new UserFacingError("None of the selected devices exists any more.");
  const queued = await enqueueRemovals(
    rows.map((row) => ({
      deviceId: row.id,
      choice: input.choice,
      leaveUncleanable: input.leaveUncleanable,
      deleteDpsRecord: input.choice === "clean",
      actorId: actor.id,
      actorEmail: actor.email,
    })),
  );
  await recordAudit({
    actor,
    action: "devices.remove",
    target: `${queued} devices`,
    outcome: "success",
    detail: { queued, choice: input.choice, leaveUncleanable: input.leaveUncleanable },
  });
  return { queued };
}

/** A removal of this device that could not finish (the device page marks it), or null. */
export async function getIncompleteRemoval(id: number): Promise<IncompleteRemovalDto | null> {
  await requirePermission("devices.view");
  const [row] = await getDb().select().from(deviceRemovals).where(eq(deviceRemovals.deviceId, id));
  if (!row) return null;
  return {
    choice: row.choice,
    leaveUncleanable: row.leaveUncleanable,
    dpsRecord: row.dpsRecord,
    hubIdentity: row.hubIdentity,
    hub: row.hub,
    problem: row.problem,
    requestedByEmail: row.requestedByEmail,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Devices whose removal could not finish, for the devices page's notice: how many, and the first few. */
export async function listIncompleteRemovals(
  limit = 5,
): Promise<{ total: number; devices: Array<{ id: number; registrationId: string; problem: string }> }> {
  await requirePermission("devices.view");
  const [rows, [total]] = await Promise.all([
    getDb()
      .select({ id: devices.id, registrationId: devices.registrationId, problem: deviceRemovals.problem })
      .from(deviceRemovals)
      .innerJoin(devices, eq(devices.id, deviceRemovals.deviceId))
      .orderBy(desc(deviceRemovals.updatedAt))
      .limit(limit),
    getDb().select({ n: count() }).from(deviceRemovals),
  ]);
  return { total: total?.n ?? 0, devices: rows };
}
