import { setMaxListeners } from "node:events";
import type { PoolClient } from "pg";
import type PgBoss from "pg-boss";
import { realSleep } from "@/lib/dps";
import { logger } from "@/lib/logger";
import {
  claimRequestFor,
  continueAttempt,
  type AttemptRequest,
  type AttemptResult,
} from "../attempts/attempt";
import { claimDevices, RecordBatcher, releaseDevice, type Claim } from "../attempts/device-attempt-sql";
import { isDatabaseUnreachable } from "@/db/connection-errors";
import { OutageLog } from "./outage-log";
import { CallSlots } from "../pacing/call-slots";
import { configureProvisioningEngine, getEngine, type Engine, type EngineOptions } from "../engine";
import { listenForJobs, notifyWorkers } from "../queue/job-notifier";
import { withTransaction } from "@/db/transaction";
import { adjustRunTotal, queueAgain } from "../queue/jobs";
import { bossDb, leaseForJob, PROVISION_QUEUE } from "../queue/boss";
import type { ProvisionJobData } from "../types";
import { jobsToFetch } from "./fetch-plan";
import { fetchAndClaim } from "./fetch-and-claim";
import { autoConcurrency, CallTimer, CONCURRENCY_WITHOUT_QUOTA } from "./concurrency";
import { whileDatabaseIsAway } from "../attempts/database-retry";
import { HEALTH_CHANNEL } from "../health/circuit-store";
import { probeIfDue } from "../health/probe";
import { IdleTimer } from "./idle-timer";
import { JobCompleter } from "./job-completer";
import { startSweeper } from "./sweeper-timer";
import { startServiceWorkers } from "./service-workers";
import { env } from "@/lib/env";
import { startHubChecks } from "../hub-check/hub-check-loop";

export type WorkerOptions = EngineOptions & {
  /** DPS calls in flight in this process (HIC_WORKER_CONCURRENCY; `auto`, the default, follows the quota: ./concurrency.ts). */
  concurrency?: number | "auto";
};

export type ProvisioningWorker = { stop(): Promise<void> };

type Job = PgBoss.Job<ProvisionJobData>;

/**
 * Picks provisioning jobs from the queue and runs one attempt per job, with at most `concurrency`
 * DPS calls in flight. A few attempts are fetched and claimed ahead of free call slots, so a slot
 * freed by a finished call is used at once (how many: ./fetch-plan.ts). Completing jobs, waking
 * up and the sweeper are in their own files beside this one.
 */
export async function startProvisioningWorker(options: WorkerOptions = {}): Promise<ProvisioningWorker> {
  const engine =
    options.fetch || options.dpsClient || options.settings
      ? configureProvisioningEngine(options)
      : getEngine();
  const configured = options.concurrency ?? engine.settings.concurrency;
  const fixed = configured === "auto" ? null : Math.max(1, Math.floor(configured));
  const callTimer = new CallTimer();
  const concurrencyFor = (perAttemptMs: number | null) =>
    fixed ??
    autoConcurrency({ perAttemptMs, callMs: callTimer.callMs(), workers: engine.heartbeat.liveWorkers() });
  const callSlots = new CallSlots(fixed ?? CONCURRENCY_WITHOUT_QUOTA);
  // The heartbeat row exists before the first claim names this process.
  await engine.heartbeat.ensure("worker");
  const boss = await engine.boss();
  const completer = new JobCompleter(boss);
  const recorder = new RecordBatcher(engine.pool);
  const stopWaiting = new AbortController();
  const abortCalls = new AbortController();
  // Every attempt waiting for its slot listens on these until it starts or stops.
  setMaxListeners(0, stopWaiting.signal, abortCalls.signal);
  const inFlight = new Set<Promise<void>>();
  let beforeCall = 0;
  let running = true;
  const waker = new IdleTimer();
  const databaseAway = new OutageLog(
    "the database is unreachable; the worker waits and resumes when it is back",
  );
  const nudge = () => waker.nudge();
  const idle = (ms: number) => waker.idle(ms);

  const requestFor = (job: Job): AttemptRequest => ({
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
    waitSignal: stopWaiting.signal,
    callSignal: abortCalls.signal,
    callSlots,
    recorder,
    // Given back without a result: queued again in the transaction that releases the device.
    handBack: (client, retryInMs) => queueInstead(engine, boss, client, job, retryInMs),
  });

  async function handle(job: Job, request: AttemptRequest, claim: Claim | null): Promise<void> {
    let counted = true;
    const callStarted = () => {
      if (counted) beforeCall -= 1;
      counted = false;
      nudge();
    };
    try {
      const result = await continueAttempt(engine, { ...request, onCallStart: callStarted }, claim);
      if (result.type === "recorded" && result.verdict.outcome === "assigned")
        callTimer.record(result.durationMs);
      await settle(engine, boss, completer, job, result);
    } catch (error) {
      logger.error(
        {
          err: { name: (error as Error).name, message: (error as Error).message },
          jobId: job.id,
          deviceId: job.data.deviceId,
        },
        "provisioning job failed; pg-boss hands it out again",
      );
      // Whatever failed, the device must not stay held by this attempt until its lease ends: the job
      // comes back (same attempt id) and must find it claimable. A no-op once a result was written.
      const until = Date.now() + request.leaseSeconds * 1000;
      if (claim)
        await whileDatabaseIsAway(
          () => releaseDevice(engine.pool, job.data.deviceId, job.id, claim.previousStatus),
          until,
        ).catch(() => {});
      await whileDatabaseIsAway(() => boss.fail(PROVISION_QUEUE, job.id), until).catch(() => {});
    } finally {
      callStarted();
    }
  }

  async function fetchLoop(): Promise<void> {
    while (running) {
      try {
        const gate = await engine.gate.read();
        if (!gate.credentials || gate.paused || gate.dps === "key-refused") {
          await idle(engine.settings.pollIntervalMs);
          continue;
        }
        if (gate.dps === "unreachable") {
          // No device work while DPS is away: one worker at a time probes it instead, and a
          // notification wakes everyone the moment a probe succeeds.
          await probeIfDue(engine, gate);
          const untilProbe = gate.circuit.nextProbeAt
            ? gate.circuit.nextProbeAt.getTime() - Date.now()
            : engine.settings.pollIntervalMs;
          await idle(Math.max(50, Math.min(engine.settings.pollIntervalMs, untilProbe)));
          continue;
        }
        const perAttemptMs = gate.costs?.perAttemptMs ?? null;
        const concurrency = concurrencyFor(perAttemptMs);
        if (concurrency !== callSlots.capacity) callSlots.resize(concurrency);
        const room = jobsToFetch({ concurrency, busyCallSlots: callSlots.busy, beforeCall, perAttemptMs });
        if (room === 0) {
          await idle(engine.settings.pollIntervalMs);
          continue;
        }
        // One transaction fetches and claims (and books the fetch's DPS slots): a process killed in
        // between leaves no job behind that only pg-boss's expiry would hand out again.
        const { jobs, claims: started } = await fetchAndClaim(
          engine.pool,
          boss,
          room,
          async (client, fetched) => {
            const requests = fetched.map(requestFor);
            const claims = await claimDevices(
              client,
              requests.map(claimRequestFor),
              perAttemptMs,
              engine.heartbeat.id,
            );
            return requests.map((request, index) => ({ request, claim: claims[index] ?? null }));
          },
          () => running,
        );
        if (jobs.length === 0) {
          if (running) await idle(engine.settings.pollIntervalMs);
          continue;
        }
        jobs.forEach((job, index) => {
          beforeCall += 1;
          const { request, claim } = started[index]!;
          const task: Promise<void> = handle(job, request, claim).finally(() => {
            inFlight.delete(task);
            nudge();
          });
          inFlight.add(task);
        });
        if (jobs.length < room) await idle(engine.settings.pollIntervalMs);
      } catch (error) {
        if (isDatabaseUnreachable(error)) databaseAway.report(error);
        else logger.error({ err: { message: (error as Error).message } }, "provisioning worker loop error");
        await idle(engine.settings.pollIntervalMs);
      }
    }
  }

  const sweeper = startSweeper(engine, boss);
  const serviceWorkers = await startServiceWorkers(engine, boss);
  // After every assignment, the assigned hub is checked as the device (lib/provisioning/hub-check).
  const hubChecks = env().HIC_IOT_HUB_CHECK === "on" ? startHubChecks(engine) : null;

  const listener = listenForJobs(nudge, {
    [HEALTH_CHANNEL]: () => {
      engine.gate.invalidate();
      nudge();
    },
  });
  const loop = fetchLoop();
  logger.info(
    { concurrency: configured, leaseSeconds: engine.settings.leaseSeconds, process: engine.heartbeat.id },
    "provisioning worker started",
  );

  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        running = false;
        sweeper.stop();
        const servicesStopped = serviceWorkers.stop();
        const hubChecksStopped = hubChecks?.stop();
        // Attempts still waiting for their slot give their device back and are queued again at once;
        // calls already at DPS get a grace period to finish and be recorded.
        stopWaiting.abort();
        nudge();
        await loop;
        await listener.close();
        const settled = new AbortController();
        const calls = Promise.allSettled([...inFlight]).then(() => settled.abort());
        await Promise.race([calls, realSleep(engine.settings.shutdownGraceMs, settled.signal)]);
        abortCalls.abort();
        await Promise.allSettled([...inFlight]);
        await completer.flush();
        await servicesStopped;
        await hubChecksStopped;
        // Everything is handed back: no one needs to wait for this process's heartbeat to go stale.
        await engine.heartbeat.stop();
        logger.info("provisioning worker stopped");
      })();
      return stopping;
    },
  };
}

/** Completes, re-queues or drops the job according to what its attempt came to. */
async function settle(
  engine: Engine,
  boss: PgBoss,
  completer: JobCompleter,
  job: Job,
  result: AttemptResult,
): Promise<void> {
  switch (result.type) {
    case "recorded":
      completer.add(job.id);
      return;
    case "not-claimed":
      if (result.reason === "busy") {
        // Another attempt holds the device (or this job came back before its own lease ran out):
        // ask again once that lease is over.
        await requeue(engine, boss, job, Math.max(1_000, Math.min(result.leaseLeftMs + 500, 30_000)));
        return;
      }
      if (result.reason === "missing") await adjustRunTotal(engine.pool, job.data.runId, -1);
      completer.add(job.id);
      return;
    case "not-run":
      // Queued again already, with the device given back (see handBack in the worker's requests).
      return;
  }
}

/** The same request as a new job (a new attempt id) after `delayMs`, completing the old one in the same transaction. */
async function requeue(engine: Engine, boss: PgBoss, job: Job, delayMs: number): Promise<void> {
  // Through a database restart too: the job stays active meanwhile, so nothing runs twice.
  await whileDatabaseIsAway(
    () => withTransaction(engine.pool, (client) => queueInstead(engine, boss, client, job, delayMs)),
    Date.now() + leaseForJob(Number(job.expireInSeconds)) * 1000,
  );
}

/**
 * In `client`'s transaction: `job`'s request as a new job (the same attempt number: work that could
 * not run, e.g. in an outage or with a refused key, spends no retry), and `job` completed.
 */
async function queueInstead(
  engine: Engine,
  boss: PgBoss,
  client: PoolClient,
  job: Job,
  delayMs: number,
): Promise<void> {
  const startAfter = delayMs > 0 ? new Date(Date.now() + delayMs) : undefined;
  await queueAgain(boss, client, job.data, engine.settings, startAfter);
  if (!startAfter) await notifyWorkers(client);
  // pg-boss reads the third argument as output data, so the connection goes fourth.
  await boss.complete(PROVISION_QUEUE, job.id, {}, { db: bossDb(client) });
}
