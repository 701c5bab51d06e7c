import { logger } from "@/lib/logger";
import { isDatabaseUnreachable } from "@/db/connection-errors";
import { inJobSpan } from "@/lib/observability/tracing";
import { claimRequestFor, continueAttempt, type AttemptRequest } from "../attempts/attempt";
import { whileDatabaseIsAway } from "../attempts/database-retry";
import { claimDevices, releaseDevice, type Claim } from "../attempts/device-attempt-sql";
import type { GateState } from "../engine-gate";
import { probeIfDue } from "../health/probe";
import { PROVISION_QUEUE } from "../queue/boss";
import { fetchAndClaim } from "./fetch-and-claim";
import { jobsToFetch } from "./fetch-plan";
import { settle } from "./job-settling";
import { requestFor, type Job, type WorkerContext } from "./worker-context";

/**
 * The worker's loop: while running, look at the gate (paused, disconnected, DPS away or refusing the
 * key: wait, or probe), then fetch and claim as many jobs as there is room for, and start their
 * attempts. It waits between rounds on the idle timer, which a queued job or a freed slot nudges.
 */
export async function fetchLoop(worker: WorkerContext): Promise<void> {
  const { engine } = worker;
  const idle = (ms: number) => worker.waker.idle(ms);
  while (worker.running) {
    try {
      const gate = await engine.gate.read();
      if (!gate.credentials || gate.paused || gate.dps === "key-refused") {
        await idle(engine.settings.pollIntervalMs);
        continue;
      }
      if (gate.dps === "unreachable") {
        await waitForDps(worker, gate);
        continue;
      }
      const perAttemptMs = gate.costs?.perAttemptMs ?? null;
      const room = roomForJobs(worker, perAttemptMs);
      if (room === 0) {
        await idle(engine.settings.pollIntervalMs);
        continue;
      }
      const started = await fetchAndStart(worker, room, perAttemptMs);
      if (started === 0) {
        if (worker.running) await idle(engine.settings.pollIntervalMs);
        continue;
      }
      if (started < room) await idle(engine.settings.pollIntervalMs);
    } catch (error) {
      if (isDatabaseUnreachable(error)) worker.databaseAway.report(error);
      else logger.error({ err: { message: (error as Error).message } }, "provisioning worker loop error");
      await idle(engine.settings.pollIntervalMs);
    }
  }
}

/**
 * No device work while DPS is away: one worker at a time probes it instead, and a notification
 * wakes everyone the moment a probe succeeds.
 */
async function waitForDps(worker: WorkerContext, gate: GateState): Promise<void> {
  const { engine } = worker;
  await probeIfDue(engine, gate);
  const untilProbe = gate.circuit.nextProbeAt
    ? gate.circuit.nextProbeAt.getTime() - Date.now()
    : engine.settings.pollIntervalMs;
  await worker.waker.idle(Math.max(50, Math.min(engine.settings.pollIntervalMs, untilProbe)));
}

/** How many jobs to fetch now: the call slots follow the concurrency, and a few attempts wait ahead of them. */
function roomForJobs(worker: WorkerContext, perAttemptMs: number | null): number {
  const concurrency = worker.concurrencyFor(perAttemptMs);
  if (concurrency !== worker.callSlots.capacity) worker.callSlots.resize(concurrency);
  return jobsToFetch({
    concurrency,
    busyCallSlots: worker.callSlots.busy,
    beforeCall: worker.beforeCall,
    perAttemptMs,
  });
}

/**
 * One transaction fetches and claims (and books the fetch's DPS slots): a process killed in between
 * leaves no job behind that only pg-boss's expiry would hand out again. Returns how many started.
 */
async function fetchAndStart(
  worker: WorkerContext,
  room: number,
  perAttemptMs: number | null,
): Promise<number> {
  const { engine, boss } = worker;
  const { jobs, claims: started } = await fetchAndClaim(
    engine.pool,
    boss,
    room,
    async (client, fetched) => {
      const requests = fetched.map((job) => requestFor(worker, job));
      const claims = await claimDevices(
        client,
        requests.map(claimRequestFor),
        perAttemptMs,
        engine.heartbeat.id,
      );
      return requests.map((request, index) => ({ request, claim: claims[index] ?? null }));
    },
    () => worker.running,
  );
  jobs.forEach((job, index) => {
    worker.beforeCall += 1;
    const { request, claim } = started[index]!;
    const task: Promise<void> = runJob(worker, job, request, claim).finally(() => {
      worker.inFlight.delete(task);
      worker.waker.nudge();
    });
    worker.inFlight.add(task);
  });
  return jobs.length;
}

/** One job's attempt, then its job settled; whatever fails, the device and the job are given back. */
async function runJob(
  worker: WorkerContext,
  job: Job,
  request: AttemptRequest,
  claim: Claim | null,
): Promise<void> {
  const { engine, boss } = worker;
  let counted = true;
  const callStarted = () => {
    if (counted) worker.beforeCall -= 1;
    counted = false;
    worker.waker.nudge();
  };
  try {
    const result = await inJobSpan("provision device", job, { "hic.device_id": job.data.deviceId }, () =>
      continueAttempt(engine, { ...request, onCallStart: callStarted }, claim),
    );
    if (result.type === "recorded" && result.verdict.outcome === "assigned")
      worker.callTimer.record(result.durationMs);
    await settle(engine, boss, worker.completer, job, result);
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
