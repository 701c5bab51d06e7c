/**
 * The provisioning engine: jobs on pg-boss, workers in the app (instrumentation.ts) or in
 * `npm run worker`, one global DPS rate limiter in Postgres. No permission checks here (the
 * devices data-access layer checks them) and no `server-only`, so scripts can use it too.
 *
 *   queue/     pg-boss jobs: enqueueing runs and single devices, waking idle workers
 *   attempts/  one DPS call per device: claim, call, judge, record; inline provisioning
 *   pacing/    the global rate limiter, the per-process call slots, metering extra requests
 *   runs/      bulk runs' progress and ETA, the engine's status, finishing runs and resuming orphans
 *   health/    DPS's health shared by every worker (circuit, probe, refused key), process heartbeats
 *   hub-check/ after every assignment, the assigned hub checked as the device (paced per hub, a circuit per hub)
 *   worker/    the worker process: fetch loop, concurrency, job completion, sweeper, the one inside the web server
 *
 * Below the domains: it imports DPS (lib/dps) and the database (db/), never a domain; what it needs
 * from them (credentials, the tile's health, the service API's queue work) it gets through
 * domains.ts, which lib/engine-wiring.ts fills in. The domains use the engine through this file.
 */
export { provisionDeviceNow } from "./attempts/provision-now";
export {
  enqueueProvisioning,
  requestProvisioningOfUnassigned,
  type ProvisioningSelection,
} from "./queue/enqueue";
export {
  enqueueHubDrift,
  enqueueReconciliation,
  enqueueRemovals,
  type RemovalJobData,
} from "./queue/service-jobs";
export { getDpsHealth, getEngineStatus } from "./runs/status";
export { resumeAfterKeyAccepted } from "./health/key-refusal";
export {
  checkHubNow,
  probeHubAsDevice,
  type HubCheckNowOutcome,
  type HubProbeOutcome,
} from "./hub-check/check-now";
export type { HubCheckVerdict } from "./hub-check/hub-check-outcome";
export { estimateDuration } from "./pacing/rate-limiter";
export { startProvisioningWorker, type ProvisioningWorker, type WorkerOptions } from "./worker/worker";
export {
  configureProvisioningEngine,
  dpsServiceClient,
  noteIntegrationChanged,
  setProvisioningPaused,
  shutdownProvisioning,
  type EngineOptions,
} from "./engine";
export type { DpsHealth, EngineRun, EngineStatus, ProvisioningOutcome, Trigger } from "./types";
export { TRIGGERS } from "./types";
