import { randomUUID } from "node:crypto";
import { getDb } from "@/lib/database";
import { outcomeMessage, runAttempt } from "./attempt";
import { enqueueDevice } from "../queue/enqueue";
import { getEngine } from "../engine";
import { probeIfDue } from "../health/probe";
import type { Actor } from "@/db/schema/actor";
import type { DeviceStatus } from "@/db/schema/device-statuses";
import type { ProvisioningOutcome, Trigger } from "../types";
import { devices } from "@/db/schema/devices";
import { eq } from "drizzle-orm";

async function currentState(deviceId: number): Promise<{ status: DeviceStatus; hub: string | null } | null> {
  const [row] = await getDb()
    .select({ status: devices.status, hub: devices.assignedHub })
    .from(devices)
    .where(eq(devices.id, deviceId));
  return row ?? null;
}

const DEFERRED_MESSAGES = {
  paused: "Provisioning is paused; the device is queued and provisioned after you resume.",
  "not-connected": "Azure DPS is not connected; the device is provisioned once it is.",
  "in-progress": "The device is being provisioned right now; its result appears shortly.",
  cancelled: "The request was cancelled before DPS was called; the device is queued instead.",
  "dps-unreachable":
    "Azure DPS is unreachable right now; the device is queued and provisioned as soon as DPS answers again.",
  "key-refused":
    "Azure DPS refuses the enrollment group key; the device is queued and provisioned once an administrator saves a working key.",
} as const;

/**
 * Runs one attempt now, in the caller (Add device, Re-provision of one device), so the person sees
 * the hub at once. It still books its slot in the global rate limiter and writes history like a
 * queued attempt; a retryable failure queues the next attempt, and work that cannot run now
 * (paused, not connected, cancelled) is queued rather than lost.
 */
export async function provisionDeviceNow(
  deviceId: number,
  options: { trigger: Trigger; actor: Actor; signal?: AbortSignal },
): Promise<ProvisioningOutcome> {
  const engine = getEngine();
  const attemptId = randomUUID();
  const attempt = () =>
    runAttempt(engine, {
      deviceId,
      attemptId,
      attempt: 1,
      trigger: options.trigger,
      runId: null,
      actor: options.actor,
      leaseSeconds: engine.settings.leaseSeconds,
      waitSignal: options.signal,
      callSignal: options.signal,
      gateMaxAgeMs: 0,
    });
  let result = await attempt();
  if (result.type === "not-run" && result.reason === "dps-unreachable") {
    // Whoever asks next may find DPS back: probe now if a probe is due (no worker may be running).
    if ((await probeIfDue(engine, await engine.gate.read(0))) === "reachable") result = await attempt();
  }

  if (result.type === "recorded") {
    const { verdict, claim } = result;
    const base = {
      status: verdict.status,
      message: outcomeMessage(result),
      attemptId,
      durationMs: result.durationMs,
    };
    if (verdict.outcome === "assigned") {
      return {
        ...base,
        kind: "assigned",
        hub: verdict.hub,
        previousHub: claim.previousHub,
        substatus: verdict.substatus,
        dpsDeviceId: verdict.dpsDeviceId ?? claim.registrationId,
      };
    }
    return {
      ...base,
      kind: "error",
      hub: claim.previousHub,
      errorKind: verdict.errorKind ?? "failed",
      errorCode: verdict.errorCode,
      willRetry: verdict.outcome === "retrying",
      nextRetryAt: result.nextRetryAt?.toISOString() ?? null,
    };
  }

  if (result.type === "not-claimed" && result.reason === "missing") {
    return { kind: "device-not-found", status: null, hub: null, message: "That device no longer exists." };
  }
  let reason: Extract<ProvisioningOutcome, { kind: "deferred" }>["reason"] = "in-progress";
  if (result.type === "not-run") {
    reason =
      result.reason === "paused" ||
      result.reason === "not-connected" ||
      result.reason === "dps-unreachable" ||
      result.reason === "key-refused"
        ? result.reason
        : "cancelled";
    await enqueueDevice(deviceId, { trigger: options.trigger, actor: options.actor });
  }
  const state = await currentState(deviceId);
  return {
    kind: "deferred",
    reason,
    status: state?.status ?? null,
    hub: state?.hub ?? null,
    message: DEFERRED_MESSAGES[reason],
  };
}
