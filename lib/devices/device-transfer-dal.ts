import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { deviceImports } from "@/db/schema";
import { requirePermission } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { loadDpsCredentials } from "@/lib/integrations/azure-dps/credentials";
import { enqueueProvisioning } from "@/lib/provisioning";
import { observeImport } from "@/lib/observability/import-observer";
import type { DeviceFilter } from "@/lib/validation/device";
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
  const refused = (detail: Record<string, unknown>) =>
    recordAudit({ actor, action: "devices.import", target: fileName, outcome: "denied", detail });
  if (
    limits.maxBytes !== undefined &&
    limits.expectedBytes != null &&
    limits.expectedBytes > limits.maxBytes
  ) {
    await refused({ reason: "too-large", bytes: limits.expectedBytes, maxBytes: limits.maxBytes });
    throw new ImportStopped("too-large", tooLargeMessage(limits.maxBytes, limits.expectedBytes));
  }
  const slot = importSlots().take(actor.id);
  if (!("release" in slot)) {
    await refused({ reason: "busy", scope: slot.scope, limit: slot.limit });
    throw new ImportBusy(slot);
  }
  let summary: ImportSummary;
  try {
    summary = await observeImport(() => importDevicesCsv(input, { fileName, actor, ...limits }));
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
  filter: Partial<Pick<DeviceFilter, "status" | "hubStatus" | "hub" | "q">>,
): Promise<AsyncGenerator<string>> {
  await requirePermission("devices.view");
  return exportDevicesCsv(filter);
}
