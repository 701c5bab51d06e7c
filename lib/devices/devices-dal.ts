import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { deviceImports } from "@/db/schema";
import { requirePermission } from "@/lib/auth/current-user";
import type { AuditAction } from "@/lib/audit/actions";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { loadDpsCredentials, loadDpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import { readDpsIntegrationRow } from "@/lib/integrations/azure-dps/integration-store";
import { cleanupUnavailable, removeDeviceAndRecord, removalNotice, type RecordCleanup } from "./removal";
import {
  dpsServiceClient,
  enqueueProvisioning,
  enqueueRemovals,
  estimateDuration,
  getEngineStatus,
  provisionDeviceNow,
  setProvisioningPaused as storeProvisioningPaused,
} from "@/lib/provisioning";
import type { DeviceFilter, NewDevice } from "@/lib/validation/device";
import { listDevices, type DevicePage } from "./list-devices";
import {
  deviceHistory,
  DuplicateDeviceError,
  findDevice,
  insertDevice,
  readDeviceCounts,
} from "./device-store";
import {
  importDevicesCsv,
  ImportFormatError,
  importReportChunks,
  ImportStopped,
  tooLargeMessage,
  type ImportLimits,
  type ImportSummary,
} from "./csv-import";
import { exportDevicesCsv } from "./csv-export";
import { ImportBusy, importSlots } from "./csv-import-slots";

export async function listDevicesForView(filter: DeviceFilter): Promise<DevicePage> {
  await requirePermission("devices.view");
  return listDevices(filter);
}

export type ReprovisionEstimate = { count: number; seconds: number; registrationsPerMinute: number };

/**
 * The devices page's counts and engine status and, while DPS is connected, what re-provisioning
 * every device would take. The estimate comes from what was just read (the counts, and the quotas
 * in the engine's cached view of the credentials), so the page's auto-refresh every few seconds
 * neither counts again nor decrypts the key again for it.
 */
/**
 * Whether removing a device can also delete its DPS registration record: a service connection string
 * is saved and its policy was not found lacking Registration status write. From the row, without
 * decrypting anything, since the devices page asks on every refresh.
 */
async function recordCleanupOption(): Promise<{ available: boolean; policyName: string | null }> {
  const row = await readDpsIntegrationRow();
  const configured = Boolean(row?.serviceKeyCiphertext && row.primaryKeyCiphertext);
  return {
    available: configured && row?.serviceRights?.registrationStatusWrite !== false,
    policyName: configured ? (row?.servicePolicyName ?? null) : null,
  };
}

export async function getDevicesOverview() {
  await requirePermission("devices.view");
  const [counts, engine, recordCleanup] = await Promise.all([
    readDeviceCounts(),
    getEngineStatus(),
    recordCleanupOption(),
  ]);
  const reprovisionEstimate: ReprovisionEstimate | null = engine.connected
    ? {
        count: counts.total,
        // Each device costs a registration and at least one poll: the tighter of the two quotas sets the pace.
        seconds: estimateDuration(counts.total, engine.registrationsPerMinute, engine.operationsPerMinute),
        registrationsPerMinute: engine.registrationsPerMinute,
      }
    : null;
  return { counts, engine, reprovisionEstimate, recordCleanup };
}

export async function getDeviceForView(id: number) {
  await requirePermission("devices.view");
  const device = await findDevice(id);
  if (!device) return null;
  return { device, history: await deviceHistory(id) };
}

/** Adds a device and, while DPS is connected, provisions it right away so the user sees its hub. */
export async function addDevice(input: NewDevice) {
  const actor = await requirePermission("devices.manage");
  let device;
  try {
    device = await insertDevice(input, actor);
  } catch (error) {
    if (error instanceof DuplicateDeviceError)
      throw new UserFacingError(error.message, { registrationId: [error.message] });
    throw error;
  }
  await recordAudit({ actor, action: "device.add", target: device.registrationId, outcome: "success" });
  if (!(await loadDpsCredentials())) return { device, provisioning: null };
  const provisioning = await provisionDeviceNow(device.id, { trigger: "add", actor });
  return { device: (await findDevice(device.id)) ?? device, provisioning };
}

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
  const { rows } = await getDb().$client.query<{ id: string }>(
    "select id from devices where id = any($1::bigint[])",
    [ids],
  );
  if (rows.length === 0) throw new UserFacingError("None of the selected devices exists any more.");
  const queued = await enqueueRemovals(
    rows.map((row) => ({
      deviceId: Number(row.id),
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

async function requireConnected(): Promise<void> {
  if (!(await loadDpsCredentials()))
    throw new UserFacingError(
      "Azure DPS is not connected. Connect it under Administration → Hyperscaler Integration Center first.",
    );
}

export type ReprovisionSelection = { deviceIds: number[] } | { all: true };
export type ReprovisionTrigger = "reprovision" | "retry";

function isSingleDevice(selection: ReprovisionSelection): selection is { deviceIds: [number] } {
  return "deviceIds" in selection && selection.deviceIds.length === 1;
}

/** Re-provisioning (or retrying) one device is its own intent; anything more is a bulk run. */
export function reprovisionIntent(selection: ReprovisionSelection, trigger: ReprovisionTrigger): AuditAction {
  if (!isSingleDevice(selection)) return "devices.reprovision";
  return trigger === "retry" ? "device.retry" : "device.reprovision";
}

/** One device runs inline (the user sees the outcome at once); several go through the queue. */
export async function reprovisionDevices(
  selection: ReprovisionSelection,
  trigger: ReprovisionTrigger = "reprovision",
) {
  const actor = await requirePermission("devices.provision");
  await requireConnected();
  const intent = reprovisionIntent(selection, trigger);
  if (isSingleDevice(selection)) {
    const id = selection.deviceIds[0];
    const device = await findDevice(id);
    if (!device) throw new UserFacingError("That device no longer exists.");
    const outcome = await provisionDeviceNow(id, { trigger, actor });
    await recordAudit({ actor, action: intent, target: device.registrationId, outcome: "success" });
    return { inline: outcome, queued: 0 };
  }
  const { queued, runId } = await enqueueProvisioning(selection, { trigger, actor });
  await recordAudit({
    actor,
    action: intent,
    target: "all" in selection ? "all devices" : `${queued} devices`,
    outcome: "success",
    detail: { runId, queued },
  });
  return { inline: null, queued };
}

export function provisioningPausedIntent(paused: boolean): AuditAction {
  return paused ? "provisioning.pause" : "provisioning.resume";
}

export async function setProvisioningPaused(paused: boolean) {
  const actor = await requirePermission("devices.provision");
  await storeProvisioningPaused(paused, actor);
  await recordAudit({ actor, action: provisioningPausedIntent(paused), outcome: "success" });
}

/**
 * Imports a CSV as it streams in. The caller passes the limits of its transport (the size cap, the
 * announced length, an abort signal); an import cut short is audited as a failure and says which
 * lines were added before it stopped. Devices added are queued for provisioning either way.
 */
export async function importDevices(
  input: AsyncIterable<Uint8Array>,
  fileName: string | null,
  limits: ImportLimits = {},
): Promise<ImportSummary & { queued: number }> {
  const actor = await requirePermission("devices.manage");
  if (
    limits.maxBytes !== undefined &&
    limits.expectedBytes != null &&
    limits.expectedBytes > limits.maxBytes
  ) {
    await recordAudit({
      actor,
      action: "devices.import",
      target: fileName,
      outcome: "denied",
      detail: { reason: "too-large", bytes: limits.expectedBytes, maxBytes: limits.maxBytes },
    });
    throw new ImportStopped("too-large", tooLargeMessage(limits.maxBytes, limits.expectedBytes));
  }
  const slot = importSlots().take(actor.id);
  if (!("release" in slot)) {
    await recordAudit({
      actor,
      action: "devices.import",
      target: fileName,
      outcome: "denied",
      detail: { reason: "busy", scope: slot.scope, limit: slot.limit },
    });
    throw new ImportBusy(slot);
  }
  let summary: ImportSummary;
  try {
    summary = await importDevicesCsv(input, { fileName, actor, ...limits });
  } catch (error) {
    if (error instanceof ImportFormatError) throw new UserFacingError(error.message);
    if (error instanceof ImportStopped) {
      await recordAudit({
        actor,
        action: "devices.import",
        target: fileName,
        outcome: "failure",
        detail: { reason: error.reason, added: 0 },
      });
    }
    throw error;
  } finally {
    slot.release();
  }
  const { addedDeviceIds, ...counts } = summary;
  await recordAudit({
    actor,
    action: "devices.import",
    target: fileName,
    outcome: summary.status === "complete" ? "success" : "failure",
    detail: {
      importId: counts.importId,
      status: counts.status,
      stopReason: counts.stopReason,
      total: counts.total,
      added: counts.added,
      duplicates: counts.duplicates,
      refused: counts.refused,
    },
  });
  let queued = 0;
  if (addedDeviceIds.length > 0 && (await loadDpsCredentials())) {
    queued = (await enqueueProvisioning({ deviceIds: addedDeviceIds }, { trigger: "import", actor })).queued;
  }
  return { ...summary, addedDeviceIds: [], queued };
}

export async function getImportReport(
  id: number,
): Promise<{ fileName: string | null; chunks: AsyncGenerator<string> } | null> {
  await requirePermission("devices.manage");
  const [row] = await getDb()
    .select({ fileName: deviceImports.fileName })
    .from(deviceImports)
    .where(eq(deviceImports.id, id));
  return row ? { fileName: row.fileName, chunks: importReportChunks(id) } : null;
}

export async function exportDevices(
  filter: Partial<Pick<DeviceFilter, "status" | "hub" | "q">>,
): Promise<AsyncGenerator<string>> {
  await requirePermission("devices.view");
  return exportDevicesCsv(filter);
}
