import { realSleep, registerWithGroupKeys, type JsonObject, type RegisterResult, type WithKeyUsed } from "@/lib/dps";
import { logger } from "@/lib/logger";
import { describeVerdict, judgeAttempt, type AttemptVerdict } from "./attempt-outcome";
import { claimDevices, explainRefusedClaim, recordAttempt, releaseDevice, type Claim, type ClaimRequest, type RecordBatcher } from "./device-attempt-sql";
import type { Engine } from "../engine";
import type { GateState } from "../engine-gate";
import type { CallSlots } from "../pacing/call-slots";
import { queueAgain, withTransaction } from "../queue/jobs";
import type { Actor } from "@/lib/audit/actor";
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
};

export type AttemptResult =
  | { type: "recorded"; verdict: AttemptVerdict; claim: Claim; nextRetryAt: Date | null; durationMs: number }
  /** The device is gone, this attempt already has its result, or another attempt holds the device. */
  | { type: "not-claimed"; reason: "missing" | "done" }
  | { type: "not-claimed"; reason: "busy"; leaseLeftMs: number }
  /** Nothing was sent to DPS; the caller queues the work again (after `retryInMs`). */
  | { type: "not-run"; reason: "paused" | "not-connected" | "stopped" | "no-slot-in-time" | "lease-lost"; retryInMs: number };

/**
 * A signal that aborts when any source does or after `timeoutMs`; `dispose` detaches it again, so
 * thousands of attempts do not pile listeners onto the worker's long-lived stop signals.
 */
function attemptSignal(sources: (AbortSignal | undefined)[], timeoutMs: number): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
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

/** Whether the engine may call DPS at all right now (connected, not paused). */
export function gateRefusal(gate: GateState): NotRun | null {
  if (!gate.credentials) return { type: "not-run", reason: "not-connected", retryInMs: 0 };
  if (gate.paused) return { type: "not-run", reason: "paused", retryInMs: 0 };
  return null;
}

export function claimRequestFor(request: AttemptRequest): ClaimRequest {
  return { deviceId: request.deviceId, attemptId: request.attemptId, leaseSeconds: request.leaseSeconds, attempt: request.attempt };
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
  const [claim] = await claimDevices(engine.pool, [claimRequestFor(request)], gate.costs?.perAttemptMs ?? null);
  return continueAttempt(engine, request, claim ?? null);
}

/** The rest of an attempt once its claim statement ran (the worker claims a whole fetch at once). */
export async function continueAttempt(engine: Engine, request: AttemptRequest, claim: Claim | null): Promise<AttemptResult> {
  if (!claim) {
    const refusal = await explainRefusedClaim(engine.pool, request.deviceId, request.attemptId);
    return refusal.reason === "busy" ? { type: "not-claimed", ...refusal } : { type: "not-claimed", reason: refusal.reason };
  }
  const claimedAt = Date.now();
  const giveBack = async (reason: NotRun["reason"], retryInMs = 0): Promise<AttemptResult> => {
    await releaseDevice(engine.pool, request.deviceId, request.attemptId, claim.previousStatus);
    return { type: "not-run", reason, retryInMs };
  };

  if (claim.waitMs > claim.leaseMs - minimumCallBudgetMs(request.leaseSeconds)) return giveBack("no-slot-in-time", claim.waitMs);
  if (claim.waitMs > 0) await realSleep(claim.waitMs, request.waitSignal);
  if (request.waitSignal?.aborted) return giveBack("stopped");
  // Paused or disconnected while waiting for the slot: DPS is not called.
  const { credentials, paused } = await engine.gate.read(request.gateMaxAgeMs);
  if (!credentials || paused) return giveBack(credentials ? "paused" : "not-connected");

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
    });
  } catch (error) {
    // Only input the client refuses to send throws (e.g. an ID Scope saved with invalid characters).
    const message = error instanceof Error ? error.message : String(error);
    result = { kind: "bad-request", httpStatus: null, dpsErrorCode: null, trackingId: null, message, attempts: 0, durationMs: Date.now() - startedAt.getTime(), keyUsed: "primary" };
  } finally {
    request.callSlots?.release();
    call.dispose();
    engine.meter.settle(claim.registrationId);
  }
  if (result.kind === "aborted") return giveBack(call.timedOut() ? "lease-lost" : "stopped");

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
    written = await withTransaction(engine.pool, async (client) => {
      if (!(await recordAttempt(client, record))) return false;
      await queueAgain(boss, client, retry, engine.settings, nextRetryAt);
      return true;
    });
  } else {
    written = request.recorder ? await request.recorder.record(record) : await recordAttempt(engine.pool, record);
  }
  if (!written) {
    logger.warn({ deviceId: request.deviceId, attemptId: request.attemptId }, "attempt lost its lease before recording; its result was dropped");
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

export function outcomeMessage(result: Extract<AttemptResult, { type: "recorded" }>): string {
  return describeVerdict(result.verdict, result.claim.previousHub);
}
