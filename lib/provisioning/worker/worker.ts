import { realSleep } from "@/lib/dps";
import { logger } from "@/lib/logger";
import { configureProvisioningEngine, getEngine, type Engine, type EngineOptions } from "../engine";
import { HEALTH_CHANNEL } from "../health/circuit-store";
import { listenForJobs } from "../queue/job-notifier";
import { fetchLoop } from "./fetch-loop";
import { startServiceWorkers } from "./service-workers";
import { env } from "@/lib/env";
import { startHubChecks } from "../hub-check/hub-check-loop";
import { startSweeper } from "./sweeper-timer";
import { createWorkerContext, type WorkerContext } from "./worker-context";

export type WorkerOptions = EngineOptions & {
  /** DPS calls in flight in this process (HIC_WORKER_CONCURRENCY; `auto`, the default, follows the quota: ./concurrency.ts). */
  concurrency?: number | "auto";
};

export type ProvisioningWorker = { stop(): Promise<void> };

/** What runs beside the fetch loop, each stopped in its turn. */
type Companions = {
  loop: Promise<void>;
  listener: { close(): Promise<void> };
  sweeper: { stop(): void };
  serviceWorkers: { stop(): Promise<void> };
  hubChecks: { stop(): Promise<void> } | null;
};

/**
 * Picks provisioning jobs from the queue and runs one attempt per job, with at most `concurrency`
 * DPS calls in flight. A few attempts are fetched and claimed ahead of free call slots, so a slot
 * freed by a finished call is used at once (how many: ./fetch-plan.ts). The steps: the engine, this
 * process's heartbeat and queue, the shared state (./worker-context.ts), the sweeper and the service
 * API's queue work, the wake-up listener, the fetch loop (./fetch-loop.ts); stopping undoes them.
 */
export async function startProvisioningWorker(options: WorkerOptions = {}): Promise<ProvisioningWorker> {
  const engine = engineFor(options);
  // The heartbeat row exists before the first claim names this process.
  await engine.heartbeat.ensure("worker");
  const boss = await engine.boss();
  const configured = options.concurrency ?? engine.settings.concurrency;
  const worker = createWorkerContext(engine, boss, configured);
  const sweeper = startSweeper(engine, boss);
  const serviceWorkers = await startServiceWorkers(engine, boss);
  // After every assignment, the assigned hub is checked as the device (lib/provisioning/hub-check).
  const hubChecks = env().HIC_IOT_HUB_CHECK === "on" ? startHubChecks(engine) : null;
  const listener = listenForWakeUps(worker);
  const loop = fetchLoop(worker);
  logger.info(
    { concurrency: configured, leaseSeconds: engine.settings.leaseSeconds, process: engine.heartbeat.id },
    "provisioning worker started",
  );
  let stopping: Promise<void> | null = null;
  return {
    stop: () => (stopping ??= stopWorker(worker, { loop, listener, sweeper, serviceWorkers, hubChecks })),
  };
}

/** The process's engine, rebuilt from `options` when they bring a DPS fetch, client or settings of their own. */
function engineFor(options: WorkerOptions): Engine {
  return options.fetch || options.dpsClient || options.settings
    ? configureProvisioningEngine(options)
    : getEngine();
}

/** A queued job wakes the loop at once; a change of DPS's health also makes the gate read anew. */
function listenForWakeUps(worker: WorkerContext): { close(): Promise<void> } {
  return listenForJobs(() => worker.waker.nudge(), {
    [HEALTH_CHANNEL]: () => {
      worker.engine.gate.invalidate();
      worker.waker.nudge();
    },
  });
}

/**
 * Stops fetching; attempts still waiting for their slot give their device back and are queued
 * again at once; calls already at DPS get the grace period to finish and be recorded, then are
 * aborted and handed back. Ends with the heartbeat, so no one waits for it to go stale.
 */
async function stopWorker(worker: WorkerContext, companions: Companions): Promise<void> {
  const { engine } = worker;
  worker.running = false;
  companions.sweeper.stop();
  const servicesStopped = companions.serviceWorkers.stop();
  const hubChecksStopped = companions.hubChecks?.stop();
  worker.stopWaiting.abort();
  worker.waker.nudge();
  await companions.loop;
  await companions.listener.close();
  const settled = new AbortController();
  const calls = Promise.allSettled([...worker.inFlight]).then(() => settled.abort());
  await Promise.race([calls, realSleep(engine.settings.shutdownGraceMs, settled.signal)]);
  worker.abortCalls.abort();
  await Promise.allSettled([...worker.inFlight]);
  await worker.completer.flush();
  await servicesStopped;
  await hubChecksStopped;
  await engine.heartbeat.stop();
  logger.info("provisioning worker stopped");
}
