import "server-only";
import { requirePermission } from "@/lib/auth/current-user";
import type { AuditAction } from "@/lib/audit/actions";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { loadDpsCredentials } from "@/lib/integrations/azure-dps/credentials";
import {
  checkHubNow,
  enqueueProvisioning,
  provisionDeviceNow,
  setProvisioningPaused as storeProvisioningPaused,
} from "@/lib/provisioning";
import { findDevice } from "./device-store";

/**
 * "Check hub connection": connects to the device's assigned hub as the device, now, and records
 * the result as its hub status and in its history. Operators and administrators only; audited.
 */
export async function checkHubConnection(deviceId: number): Promise<{ connected: boolean; message: string }> {
  const actor = await requirePermission("devices.check-hub");
  const device = await findDevice(deviceId);
  if (!device) throw new UserFacingError("This device no longer exists.");
  const outcome = await checkHubNow(deviceId, actor);
  if (outcome.kind === "missing") throw new UserFacingError("This device no longer exists.");
  if (outcome.kind === "not-assigned")
    throw new UserFacingError("This device has no assigned hub yet: provision it first.");
  if (outcome.kind === "not-connected")
    throw new UserFacingError(
      "Azure DPS is not connected, so the device's key is not known: connect DPS first.",
    );
  const { verdict, hub } = outcome;
  await recordAudit({
    actor,
    action: "device.check-hub",
    target: device.registrationId,
    outcome: verdict.hubStatus === "connected" ? "success" : "failure",
    detail: { hub, hubStatus: verdict.hubStatus, code: verdict.errorCode },
  });
  if (verdict.hubStatus === "connected") return { connected: true, message: `Connected to ${hub}.` };
  const label = verdict.hubStatus === "refused" ? "Refused" : "Unreachable";
  return {
    connected: false,
    message: `${label}: ${verdict.errorMessage ?? ""} ${verdict.nextStep ?? ""}`.trim(),
  };
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
