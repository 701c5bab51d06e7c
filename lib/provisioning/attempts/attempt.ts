import type { PoolClient } from "pg";
import {
  realSleep,
  registerWithGroupKeys,
  type JsonObject,
  type RegisterResult,
  type LookupStatusResult,
  type WithKeyUsed,
} from "@/lib/dps";
import { logger } from "@/lib/logger";
import { describeVerdict, judgeAttempt, type AttemptVerdict } from "./attempt-outcome";
import {
  claimDevices,
  explainRefusedClaim,
  recordAttempt,
  releaseDevice,
  type Claim,
  type ClaimRequest,
  type RecordBatcher,
  type WaitingReason,
} from "./device-attempt-sql";
import { whileDatabaseIsAway } from "./database-retry";
import { isDatabaseUnreachable } from "@/db/connection-errors";
import { refuseKey } from "../health/circuit-store";
import { dpsFailureCode } from "@/lib/dps/failure-code";
import type { Engine } from "../engine";
import type { GateState } from "../engine-gate";
import type { CallSlots } from "../pacing/call-slots";
import { withTransaction } from "@/db/transaction";
import { queueAgain } from "../queue/jobs";
import type { Actor } from "@/db/schema/actor";
import type { ProvisionJobData, Trigger } from "../types";

export type AttemptRequest = {
  deviceId: number;
  /** The pg-boss job id for queued work, a fresh UUID for inline work: one history row per id at most. */
  attemptId: string;
  /** 1 for a fresh request, counting up through automatic retries. */
  attempt: number;
  trigger: Trigger;
  runId: number | null;
  actor: Actor;
  leaseSeconds: number;
  /** Stops waiting for the DPS slot (shutdown, the user went away); the device is given back. */
  waitSignal?: AbortSignal;
  /** Aborts the DPS call itself (hard stop). */
  callSignal?: AbortSignal;
  /** How fresh the pause/connection state must be; inline requests read it anew. */
  gateMaxAgeMs?: number;
  /** Writes the result through this batcher (the worker's) instead of a statement of its own. */
  recorder?: RecordBatcher;
  /** Waits for one of the process's DPS call slots (false: stopped while waiting); released right after the call. */
  callSlots?: CallSlots;
  /** Called when the DPS call starts (the worker counts attempts waiting for a slot). */
  onCallStart?: () => void;
  /**
   * Queues the work again (after `retryInMs`) inside the transaction that gives the device back, so
   * a process dying in between cannot leave a released device whose only job it still holds. Without
   * it the device is just released and the caller queues the work ("not-run" says so).
   */
  handBack?: (client: PoolClient, retryInMs: number) => Promise<void>;
};

export type AttemptResult =
  | { type: "recorded"; verdict: AttemptVerdict; claim: Claim; nextRetryAt: Date | null; durationMs: number }
  /** The device is gone, this attempt already has its result, or another attempt holds the device. */
  | { type: "not-claimed"; reason: "missing" | "done" }
  | { type: "not-claimed"; reason: "busy"; leaseLeftMs: number }
  /** Nothing was sent to DPS; the work is queued again (after `retryInMs`): by `handBack` when the request has one, else by the caller. */
  | { type: "not-run"; reason: NotRunReason; retryInMs: number };

/**
 * Why an attempt gave its device back without a result: it did not reach DPS (paused, not
 * connected, stopping, no slot in time), or it met an outage or a refused key, which is DPS's
 * state rather than the device's, so its retry budget is not spent (the same attempt is queued again).
 */
export type NotRunReason =
  | "paused"
  | "not-connected"
  | "stopped"
  | "no-slot-in-time"
  | "lease-lost"
  | "dps-unreachable"
  | "key-refused";

/**
 * A signal that aborts when any source does or after `timeoutMs`; `dispose` detaches it again, so
 * thousands of attempts do not pile listeners onto the worker's long-lived stop signals.
 */
function attemptSignal(
  sources: (AbortSignal | undefined)[],
  timeoutMs: number,
): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const abort = () => controller.abort();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const present = sources.filter((source): source is AbortSignal => source !== undefined);
  for (const source of present) {
    if (source.aborted) controller.abort();
    else source.addEventListener("abort", abort, { once: true });
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      for (const source of present) source.removeEventListener("abort", abort);
    },
  };
}

function asPayload(payload: Record<string, unknown> | null): JsonObject | undefined {
  return payload && typeof payload === "object" && !Array.isArray(payload) ? payload : undefined;
}

/** The slot must leave enough of the lease for a whole DPS call; otherwise the attempt is given back. */
function minimumCallBudgetMs(leaseSeconds: number): number {
  return Math.min(30_000, (leaseSeconds * 1000) / 2);
}

type NotRun = Extract<AttemptResult, { type: "not-run" }>;

/** Whether the engine may call DPS at all right now (connected, not paused, DPS reachable, the key not refused). */
export function gateRefusal(gate: GateState): NotRun | null {
  if (!gate.credentials) return { type: "not-run", reason: "not-connected", retryInMs: 0 };
  if (gate.paused) return { type: "not-run", reason: "paused", retryInMs: 0 };
  if (gate.dps === "unreachable") return { type: "not-run", reason: "dps-unreachable", retryInMs: 0 };
  if (gate.dps === "key-refused") return { type: "not-run", reason: "key-refused", retryInMs: 0 };
  return null;
}

/** Failures that say DPS as a whole is not serving (no connection, timeouts, 5xx, 429), not this device. */
export function isOutageFailure(result: RegisterResult | LookupStatusResult): boolean {
  switch (result.kind) {
    case "throttled":
      return true;
    case "transient":
      return result.cause !== "malformed";
    case "unreachable":
      return result.cause !== "tls";
    default:
      return false;
  }
}

function waitingReason(result: RegisterResult): WaitingReason {
  const cause = "cause" in result ? result.cause : null;
  const code =
    result.dpsErrorCode ?? result.httpStatus ?? ("networkCode" in result ? result.networkCode : null);
  return {
    kind: result.kind,
    code: code === null ? null : String(code),
    message: result.message ?? dpsFailureCode({ kind: result.kind, cause }),
  };
}

export function claimRequestFor(request: AttemptRequest): ClaimRequest {
  return {
    deviceId: request.deviceId,
    attemptId: request.attemptId,
    leaseSeconds: request.leaseSeconds,
    attempt: request.attempt,
  };
}

/**
 * One provisioning attempt for one device: check the engine may call DPS, claim the device and book
 * its DPS slot (one statement), wait for the slot, register, and record the result with its history
 * row (one statement; with the retry job in the same transaction when another attempt is due).
 */
export async function runAttempt(engine: Engine, request: AttemptRequest): Promise<AttemptResult> {
  const gate = await engine.gate.read(request.gateMaxAgeMs);
  const refusal = gateRefusal(gate);
  if (refusal) return refusal;
  await engine.heartbeat.ensure("inline");
  const [claim] = await claimDevices(
    engine.pool,
    [claimRequestFor(request)],
    gate.costs?.perAttemptMs ?? null,
    engine.heartbeat.id,
  );
  return continueAttempt(engine, request, claim ?? null);
}

/** The rest of an attempt once its claim statement ran (the worker claims a whole fetch at once). */
export async function continueAttempt(
  engine: Engine,
  request: AttemptRequest,
  claim: Claim | null,
): Promise<AttemptResult> {
  if (!claim) {
    const refusal = await explainRefusedClaim(engine.pool, request.deviceId, request.attemptId);
    return refusal.reason === "busy"
      ? { type: "not-claimed", ...refusal }
      : { type: "not-claimed", reason: refusal.reason };
  }
  const claimedAt = Date.now();
  const leaseEndsAt = claimedAt + claim.leaseMs;
  const giveBack = async (
    reason: NotRun["reason"],
    retryInMs = 0,
    waiting?: WaitingReason,
  ): Promise<AttemptResult> => {
    const release = (db: Pick<PoolClient, "query">) =>
      releaseDevice(db, request.deviceId, request.attemptId, claim.previousStatus, waiting);
    const { handBack } = request;
    const handBackTogether = (handOn: NonNullable<AttemptRequest["handBack"]>) =>
      withTransaction(engine.pool, async (client) => {
        await release(client);
        await handOn(client, retryInMs);
      });
    await whileDatabaseIsAway(
      () => (handBack ? handBackTogether(handBack) : release(engine.pool)),
      leaseEndsAt,
    );
    return { type: "not-run", reason, retryInMs };
  };

  if (claim.waitMs > claim.leaseMs - minimumCallBudgetMs(request.leaseSeconds))
    return giveBack("no-slot-in-time", claim.waitMs);
  if (claim.waitMs > 0) await realSleep(claim.waitMs, request.waitSignal);
  if (request.waitSignal?.aborted) return giveBack("stopped");
  // Paused, disconnected, DPS found unreachable or the key refused while waiting for the slot: DPS is not called.
  let gate: GateState;
  try {
    gate = await engine.gate.read(request.gateMaxAgeMs);
  } catch (error) {
    // The database went away: give the device back once it is back, rather than strand it for a lease.
    if (isDatabaseUnreachable(error)) return giveBack("stopped");
    throw error;
  }
  const refusal = gateRefusal(gate);
  if (refusal) return giveBack(refusal.reason);
  const credentials = gate.credentials!;

  if (request.callSlots && !(await request.callSlots.acquire(request.waitSignal))) return giveBack("stopped");
  // A backstop under the client's own operation timeout: never keep calling DPS past our lease.
  const leaseLeftMs = claim.leaseMs - (Date.now() - claimedAt);
  const call = attemptSignal([request.callSignal], Math.max(1, Math.floor(leaseLeftMs - 500)));
  request.onCallStart?.();
  engine.meter.prepay(claim.registrationId);
  const startedAt = new Date();
  let result: WithKeyUsed<RegisterResult>;
  try {
    result = await registerWithGroupKeys(engine.client, {
      connection: { idScope: credentials.idScope, host: credentials.host },
      registrationId: claim.registrationId,
      groupKeys: { primary: credentials.primaryKey, secondary: credentials.secondaryKey ?? undefined },
      payload: asPayload(claim.payload),
      signal: call.signal,
      stopRetrying: engine.outage.current(),
    });
  } catch (error) {
    // Only input the client refuses to send throws (e.g. an ID Scope saved with invalid characters).
    const message = error instanceof Error ? error.message : String(error);
    result = {
      kind: "bad-request",
      httpStatus: null,
      dpsErrorCode: null,
      trackingId: null,
      message,
      attempts: 0,
      durationMs: Date.now() - startedAt.getTime(),
      keyUsed: "primary",
    };
  } finally {
    request.callSlots?.release();
    call.dispose();
    engine.meter.settle(claim.registrationId);
  }
  if (result.kind === "aborted") return giveBack(call.timedOut() ? "lease-lost" : "stopped");
  if (result.kind === "unauthorized") {
    // Every stored key was refused (the secondary too, when there is one): a key rotated or revoked
    // in Azure. The whole fleet waits for a working key instead of failing device after device.
    await refuseKeyOnce(engine, credentials.version, result);
    await reportHealth(engine, claim.registrationId, result);
    return giveBack("key-refused", 0, waitingReason(result));
  }
  if (isOutageFailure(result)) {
    // Our own failures may be what opens the circuit: report them before asking.
    await engine.circuit.flush();
    if ((await engine.gate.read(250)).dps === "unreachable") {
      await reportHealth(engine, claim.registrationId, result);
      return giveBack("dps-unreachable", 0, waitingReason(result));
    }
  }

  const verdict = judgeAttempt(result, request.attempt, engine.settings);
  const nextRetryAt = verdict.retryInMs === null ? null : new Date(Date.now() + verdict.retryInMs);
  const record = {
    deviceId: request.deviceId,
    attemptId: request.attemptId,
    verdict,
    nextRetryAt,
    runId: request.runId,
    startedAt,
    trigger: request.trigger,
    previousHub: claim.previousHub,
    durationMs: result.durationMs,
    keyUsed: result.keyUsed,
    actor: request.actor,
  };
  let written: boolean;
  if (nextRetryAt) {
    const retry: ProvisionJobData = {
      deviceId: request.deviceId,
      runId: request.runId,
      trigger: "automatic",
      actorId: request.actor?.id || null,
      actorEmail: request.actor?.email || null,
      attempt: request.attempt + 1,
    };
    const boss = await engine.boss();
    written = await whileDatabaseIsAway(
      () =>
        withTransaction(engine.pool, async (client) => {
          if (!(await recordAttempt(client, record))) return false;
          await queueAgain(boss, client, retry, engine.settings, nextRetryAt);
          return true;
        }),
      leaseEndsAt,
    );
  } else {
    written = request.recorder
      ? await request.recorder.record(record, leaseEndsAt)
      : await whileDatabaseIsAway(() => recordAttempt(engine.pool, record), leaseEndsAt);
  }
  if (!written) {
    logger.warn(
      { deviceId: request.deviceId, attemptId: request.attemptId },
      "attempt lost its lease before recording; its result was dropped",
    );
    return { type: "not-claimed", reason: "done" };
  }
  await reportHealth(engine, claim.registrationId, result);
  return { type: "recorded", verdict, claim, nextRetryAt, durationMs: result.durationMs };
}

async function reportHealth(engine: Engine, registrationId: string, result: RegisterResult): Promise<void> {
  if (result.kind === "assigned") {
    await engine.health.success(`Provisioned ${registrationId} onto ${result.assignedHub}.`);
  } else if (result.kind === "unauthorized" || result.kind === "not-found" || result.kind === "unreachable") {
    await engine.health.failure({
      kind: result.kind,
      cause: "cause" in result ? result.cause : null,
      httpStatus: result.httpStatus,
      dpsErrorCode: result.dpsErrorCode,
      message: result.message,
    });
  }
}

/** One refusal per key version is enough; every worker hears of it through the gate. */
async function refuseKeyOnce(engine: Engine, version: number, result: RegisterResult): Promise<void> {
  const reason = waitingReason(result);
  try {
    const changed = await refuseKey(engine.pool, version, {
      kind: dpsFailureCode({
        kind: "unauthorized",
        httpStatus: result.httpStatus,
        dpsErrorCode: result.dpsErrorCode,
      }),
      message: reason.message,
    });
    if (changed)
      logger.warn(
        { version },
        "DPS refused the enrollment group key: provisioning waits until a working key is saved or tested",
      );
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, "could not record that DPS refused the key");
  }
  engine.gate.invalidate();
}

export function outcomeMessage(result: Extract<AttemptResult, { type: "recorded" }>): string {
  return describeVerdict(result.verdict, result.claim.previousHub);
}
