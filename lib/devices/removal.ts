// Raw SQL: a removal's bookkeeping (the device_removals upsert on conflict, the "not removed"
// history row) is written on the pool it is handed (the engine's, for the queue's removals).
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { DpsServiceClient } from "@/lib/dps/service/client";
import type { HubRegistryClient } from "@/lib/iot-hub/service";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/record";
import type { DpsServiceCredentials } from "@/lib/integrations/azure-dps/credentials";
import {
  blockedStatusReason,
  deleteIdentity,
  disableIdentity,
  hubWriteAccess,
  type LoadHubAccess,
} from "@/lib/hubs/hub-identity-steps";
import { forgetRegistration } from "@/lib/registrations/records-store";
import { deleteDevice, findDevice } from "./device-store";
import type { DeviceDetailDto } from "./device-dto";
import type { RemovalChoice, RemovalStepOutcome } from "./removal-dto";
import {
  cleanupUnavailable,
  deleteRecord,
  explainDpsFailure,
  OUTSIDE_GROUP_EXPLANATION,
} from "./removal-dps-step";

/**
 * Removing a device, in steps, each idempotent (a 404 is done) and each outcome audited:
 *
 * - `platform`: the device leaves the platform; its DPS record and hub identity stay.
 * - `clean`: its DPS registration record (only one the app may delete) goes first, then its identity
 *   in its hub, then the device: it may enrol again later.
 * - `block`: its hub identity is disabled (the status reason says who and when), the DPS record is
 *   kept, then the device goes: DPS assigns it again if it asks, but the hub refuses it.
 *
 * A step that fails keeps the device in the platform, marked "removal incomplete" with the step and
 * why (device_removals), for a retry that skips what is done. With `leaveUncleanable`, what the app
 * may not touch (no credentials, no write right, a record not provably its own) is left and said so.
 * Used inline for one device and by the removal queue's worker for a selection.
 */

export type RemovalDeps = {
  pool: Pick<pg.Pool, "query">;
  serviceClient: DpsServiceClient;
  credentials: DpsServiceCredentials | null;
  hubClient: HubRegistryClient;
  loadHub: LoadHubAccess;
  signal?: AbortSignal;
};

export type RemovalRequest = {
  choice: RemovalChoice;
  leaveUncleanable: boolean;
  actor: Actor;
  bulk: boolean;
};

export type StepReport = { outcome: RemovalStepOutcome; detail: string | null };
export type RemovalSteps = { dpsRecord: StepReport; hubIdentity: StepReport };

export type RemovalOutcome =
  | { kind: "removed"; device: DeviceDetailDto; steps: RemovalSteps; notice: string }
  | { kind: "incomplete"; device: DeviceDetailDto; steps: RemovalSteps; problem: string; notice: string }
  | { kind: "missing" };

/** A stopping worker's call: not the service's verdict, so nothing is recorded and the queue hands the job out again. */
class RemovalAborted extends Error {
  constructor() {
    super("the call was cancelled; the removal was not done");
  }
}

const skipped = (detail: string | null = null): StepReport => ({ outcome: "skipped", detail });
const isDone = (outcome: RemovalStepOutcome | undefined) => outcome === "done" || outcome === "already-gone";

type DpsFailureFacts = {
  errorKind: string;
  errorCode: string | null;
  httpStatus: number | null;
  dpsErrorCode: number | null;
};

async function dpsStep(
  deps: RemovalDeps,
  device: DeviceDetailDto,
  request: RemovalRequest,
): Promise<{ report: StepReport; failure?: DpsFailureFacts }> {
  const unavailable = cleanupUnavailable(deps.credentials);
  if (unavailable) {
    if (request.leaveUncleanable) return { report: { outcome: "left", detail: unavailable } };
    return {
      report: {
        outcome: "failed",
        detail: `${unavailable} Save a service connection string that may, or leave the record.`,
      },
      failure: { errorKind: "removal:unauthorized", errorCode: null, httpStatus: null, dpsErrorCode: null },
    };
  }
  const result = await deleteRecord(deps, deps.credentials!, device);
  if (result.ok) {
    await forgetRegistration(deps.pool, device.registrationId);
    return { report: { outcome: result.cleanup === "deleted" ? "done" : "already-gone", detail: null } };
  }
  if ("outsideGroup" in result) {
    const explanation = OUTSIDE_GROUP_EXPLANATION(device.registrationId, deps.credentials!.enrollmentGroupId);
    if (request.leaveUncleanable) return { report: { outcome: "left", detail: explanation.title } };
    return {
      report: { outcome: "failed", detail: `${explanation.title}. ${explanation.nextStep}` },
      failure: { errorKind: "removal:outside-group", errorCode: null, httpStatus: null, dpsErrorCode: null },
    };
  }
  if (result.failure.kind === "aborted") throw new RemovalAborted();
  const explanation = explainDpsFailure(result.failure);
  return {
    report: { outcome: "failed", detail: `${explanation.title}. ${explanation.detail}` },
    failure: {
      errorKind: `removal:${result.failure.kind}`,
      errorCode: result.failure.dpsErrorCode
        ? String(result.failure.dpsErrorCode)
        : result.failure.httpStatus
          ? String(result.failure.httpStatus)
          : null,
      httpStatus: result.failure.httpStatus,
      dpsErrorCode: result.failure.dpsErrorCode,
    },
  };
}

async function hubStep(
  deps: RemovalDeps,
  device: DeviceDetailDto,
  request: RemovalRequest,
  at: Date,
): Promise<StepReport> {
  const hub = device.assignedHub;
  if (!hub) {
    if (request.choice === "clean") return skipped("the device was never assigned to a hub");
    const reason = "the device was never assigned to a hub, so there is no identity to disable";
    return request.leaveUncleanable
      ? { outcome: "left", detail: reason }
      : { outcome: "failed", detail: reason };
  }
  const access = await hubWriteAccess(deps.loadHub, hub);
  if (!access.ok) {
    if (request.leaveUncleanable) return { outcome: "left", detail: access.reason };
    return {
      outcome: "failed",
      detail: `${access.reason}; save credentials with registryWrite, or leave the identity`,
    };
  }
  const hubDeviceId = device.dpsDeviceId ?? device.registrationId;
  const result =
    request.choice === "block"
      ? await disableIdentity(
          deps.hubClient,
          access.access,
          hub,
          hubDeviceId,
          blockedStatusReason(request.actor?.email ?? null, at),
          deps.signal,
        )
      : await deleteIdentity(deps.hubClient, access.access, hub, hubDeviceId, deps.signal);
  if (deps.signal?.aborted) throw new RemovalAborted();
  if (result.ok) return { outcome: result.outcome, detail: null };
  return { outcome: "failed", detail: result.reason };
}

async function previousAttempt(
  pool: Pick<pg.Pool, "query">,
  deviceId: number,
): Promise<{
  dps_record: RemovalStepOutcome;
  hub_identity: RemovalStepOutcome;
  choice: RemovalChoice;
} | null> {
  const { rows } = await pool.query(
    `select dps_record, hub_identity, choice from device_removals where device_id = $1`,
    [deviceId],
  );
  return rows[0] ?? null;
}

export async function removeDeviceInSteps(
  deps: RemovalDeps,
  deviceId: number,
  request: RemovalRequest,
): Promise<RemovalOutcome> {
  const device = await findDevice(deviceId);
  if (device === null) return { kind: "missing" };
  const started = new Date();
  // A retry of the same choice skips what an earlier attempt finished (each step is idempotent anyway).
  const earlier = await previousAttempt(deps.pool, deviceId);
  const sameChoice = earlier?.choice === request.choice;
  const steps: RemovalSteps = { dpsRecord: skipped(), hubIdentity: skipped() };
  let dpsFailure: DpsFailureFacts | undefined;

  if (request.choice === "clean") {
    if (sameChoice && isDone(earlier!.dps_record))
      steps.dpsRecord = { outcome: earlier!.dps_record, detail: null };
    else ({ report: steps.dpsRecord, failure: dpsFailure } = await dpsStep(deps, device, request));
  }
  if (request.choice !== "platform" && steps.dpsRecord.outcome !== "failed") {
    if (sameChoice && isDone(earlier!.hub_identity))
      steps.hubIdentity = { outcome: earlier!.hub_identity, detail: null };
    else steps.hubIdentity = await hubStep(deps, device, request, started);
  }

  const verb = request.choice === "block" ? "disabled" : "deleted";
  const problem =
    steps.dpsRecord.outcome === "failed"
      ? `DPS registration record not deleted: ${steps.dpsRecord.detail}`.slice(0, 600)
      : steps.hubIdentity.outcome === "failed"
        ? `hub identity not ${verb}: ${steps.hubIdentity.detail}`.slice(0, 600)
        : null;

  if (problem !== null) {
    await deps.pool.query(
      `insert into device_removals (device_id, choice, leave_uncleanable, dps_record, hub_identity, hub, problem, requested_by_id, requested_by_email, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
       on conflict (device_id) do update set choice = excluded.choice, leave_uncleanable = excluded.leave_uncleanable,
         dps_record = excluded.dps_record, hub_identity = excluded.hub_identity, hub = excluded.hub, problem = excluded.problem,
         requested_by_id = excluded.requested_by_id, requested_by_email = excluded.requested_by_email, updated_at = now()`,
      [
        device.id,
        request.choice,
        request.leaveUncleanable,
        steps.dpsRecord.outcome,
        steps.hubIdentity.outcome,
        device.assignedHub,
        problem,
        request.actor?.id || null,
        request.actor?.email ?? null,
      ],
    );
    await deps.pool.query(
      `insert into provisioning_history (device_id, attempt_id, started_at, trigger, outcome, hub, error_kind, error_code, error_message, duration_ms, triggered_by_id, triggered_by_email)
       values ($1, $2, $3, 'remove', 'not removed', $4, $5, $6, $7, $8, $9, $10)`,
      [
        device.id,
        randomUUID(),
        started,
        device.assignedHub,
        dpsFailure?.errorKind ?? "removal:hub-identity",
        dpsFailure?.errorCode ?? null,
        `Removal incomplete: ${problem}`.slice(0, 500),
        Date.now() - started.getTime(),
        request.actor?.id || null,
        request.actor?.email ?? null,
      ],
    );
    await recordAudit({
      actor: request.actor,
      action: "device.remove",
      target: device.registrationId,
      outcome: "failure",
      detail: {
        bulk: request.bulk,
        choice: request.choice,
        lastHub: device.assignedHub,
        dpsRecord: stepWord(steps.dpsRecord.outcome, "dps", request.choice),
        hubIdentity: stepWord(steps.hubIdentity.outcome, "hub", request.choice),
        reason: problem,
        ...(dpsFailure ? { httpStatus: dpsFailure.httpStatus, dpsErrorCode: dpsFailure.dpsErrorCode } : {}),
        deviceKept: true,
      },
    });
    return {
      kind: "incomplete",
      device,
      steps,
      problem,
      notice: `${device.registrationId} was not removed: ${problem}. It stays in the platform, marked "removal incomplete", with a retry on its page.`,
    };
  }

  const removed = await deleteDevice(deviceId);
  if (removed === null) return { kind: "missing" };
  const notice = removalNotice(removed.registrationId, removed.assignedHub, request.choice, steps);
  await recordAudit({
    actor: request.actor,
    action: "device.remove",
    target: removed.registrationId,
    outcome: "success",
    detail: {
      bulk: request.bulk,
      choice: request.choice,
      lastHub: removed.assignedHub,
      dpsRecord: stepWord(steps.dpsRecord.outcome, "dps", request.choice),
      hubIdentity: stepWord(steps.hubIdentity.outcome, "hub", request.choice),
      ...(steps.dpsRecord.outcome === "left" ? { dpsRecordLeftBecause: steps.dpsRecord.detail } : {}),
      ...(steps.hubIdentity.outcome === "left" ? { hubIdentityLeftBecause: steps.hubIdentity.detail } : {}),
      note: notice,
    },
  });
  return { kind: "removed", device: removed, steps, notice };
}

/** The audit log's word for a step (the DPS words are the ones it used before the hub step existed). */
function stepWord(outcome: RemovalStepOutcome, step: "dps" | "hub", choice: RemovalChoice): string {
  switch (outcome) {
    case "done":
      return step === "dps" ? "deleted" : choice === "block" ? "disabled" : "deleted";
    case "already-gone":
      return "already gone";
    case "left":
      return "left";
    case "failed":
      return step === "dps" ? "not deleted" : choice === "block" ? "not disabled" : "not deleted";
    case "skipped":
      return "kept";
  }
}

/** Exactly what stays where after a removal, for the toast, the audit log and the history. */
export function removalNotice(
  registrationId: string,
  hub: string | null,
  choice: RemovalChoice,
  steps: RemovalSteps,
): string {
  const inHub = hub ? `the IoT hub ${hub}` : "its IoT hub";
  const record = {
    done: "its registration record was deleted from Azure DPS",
    "already-gone": "Azure DPS had no registration record for it any more",
    left: `its registration record stays in Azure DPS (${steps.dpsRecord.detail ?? "left"})`,
    failed: "its registration record stays in Azure DPS",
    skipped: "its registration record stays in Azure DPS",
  }[steps.dpsRecord.outcome];
  let identity: string;
  if (!hub) identity = "It had no IoT hub, so no identity to touch.";
  else if (steps.hubIdentity.outcome === "done")
    identity =
      choice === "block"
        ? `Its identity in ${inHub} is disabled: it can neither connect nor come back by itself.`
        : `Its identity was deleted from ${inHub}.`;
  else if (steps.hubIdentity.outcome === "already-gone")
    identity = `${inHub} had no identity for it any more.`;
  else if (steps.hubIdentity.outcome === "left")
    identity = `Its identity stays in ${inHub}, unchanged (${steps.hubIdentity.detail}).`;
  else identity = `Its identity stays in ${inHub}, enabled: it can still connect.`;
  return `${registrationId} was removed from the platform; ${record}. ${identity.charAt(0).toUpperCase()}${identity.slice(1)}`;
}
