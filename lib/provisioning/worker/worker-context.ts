import { setMaxListeners } from "node:events";
import type PgBoss from "pg-boss";
import type { AttemptRequest } from "../attempts/attempt";
import { RecordBatcher } from "../attempts/device-attempt-sql";
import type { Engine } from "../engine";
import { CallSlots } from "../pacing/call-slots";
import { leaseForJob } from "../queue/boss";
import type { ProvisionJobData } from "../types";
import { autoConcurrency, CallTimer, CONCURRENCY_WITHOUT_QUOTA } from "./concurrency";
import { IdleTimer } from "./idle-timer";
import { JobCompleter } from "./job-completer";
import { queueInstead } from "./job-settling";
import { OutageLog } from "./outage-log";

export type Job = PgBoss.Job<ProvisionJobData>;

/** What one worker process's fetch loop, attempts and stop share. */
export type WorkerContext = {
  engine: Engine;
  boss: PgBoss;
  completer: JobCompleter;
  recorder: RecordBatcher;
  callSlots: CallSlots;
  callTimer: CallTimer;
  /** DPS calls to allow in flight now, given how long DPS asks each attempt to take. */
  concurrencyFor(perAttemptMs: number | null): number;
  /** Aborted on stop: attempts still waiting for a call slot give their device back. */
  stopWaiting: AbortController;
  /** Aborted after the grace period: calls still at DPS stop and are handed back. */
  abortCalls: AbortController;
  inFlight: Set<Promise<void>>;
  /** Attempts started but not yet at DPS (fetched ahead of free call slots). */
  beforeCall: number;
  running: boolean;
  waker: IdleTimer;
  databaseAway: OutageLog;
};

export function createWorkerContext(
  engine: Engine,
  boss: PgBoss,
  configured: number | "auto",
): WorkerContext {
  const fixed = configured === "auto" ? null : Math.max(1, Math.floor(configured));
  const callTimer = new CallTimer();
  const stopWaiting = new AbortController();
  const abortCalls = new AbortController();
  // Every attempt waiting for its slot listens on these until it starts or stops.
  setMaxListeners(0, stopWaiting.signal, abortCalls.signal);
  return {
    engine,
    boss,
    completer: new JobCompleter(boss),
    recorder: new RecordBatcher(engine.pool),
    callSlots: new CallSlots(fixed ?? CONCURRENCY_WITHOUT_QUOTA),
    callTimer,
    concurrencyFor: (perAttemptMs) =>
      fixed ??
      autoConcurrency({ perAttemptMs, callMs: callTimer.callMs(), workers: engine.heartbeat.liveWorkers() }),
    stopWaiting,
    abortCalls,
    inFlight: new Set(),
    beforeCall: 0,
    running: true,
    waker: new IdleTimer(),
    databaseAway: new OutageLog("the database is unreachable; the worker waits and resumes when it is back"),
  };
}

/** The attempt a fetched job asks for, with this worker's signals, slots and batcher. */
export function requestFor(worker: WorkerContext, job: Job): AttemptRequest {
  const { engine, boss } = worker;
  return {
    deviceId: job.data.deviceId,
    attemptId: job.id,
    attempt: job.data.attempt,
    trigger: job.data.trigger,
    runId: job.data.runId,
    actor:
      job.data.actorId || job.data.actorEmail
        ? { id: job.data.actorId ?? "", email: job.data.actorEmail ?? "" }
        : null,
    // pg returns EXTRACT(epoch …) as a numeric string.
    leaseSeconds: leaseForJob(Number(job.expireInSeconds)),
    waitSignal: worker.stopWaiting.signal,
    callSignal: worker.abortCalls.signal,
    callSlots: worker.callSlots,
    recorder: worker.recorder,
    // Given back without a result: queued again in the transaction that releases the device.
    handBack: (client, retryInMs) => queueInstead(engine, boss, client, job, retryInMs),
  };
}
