/**
 * The provisioning engine: jobs on pg-boss, workers in the app (instrumentation.ts) or in
 * `npm run worker`, one global DPS rate limiter in Postgres. No permission checks here (the
 * devices data-access layer checks them) and no `server-only`, so scripts can use it too.
 */
export { provisionDeviceNow } from "./attempts/provision-now";
export { enqueueProvisioning, requestProvisioningOfUnassigned, type ProvisioningSelection } from "./queue/enqueue";
export { estimateDuration, getEngineStatus, setProvisioningPaused } from "./runs/status";
export { startProvisioningWorker, type ProvisioningWorker, type WorkerOptions } from "./worker/worker";
export { configureProvisioningEngine, type EngineOptions } from "./engine";
export { shutdownProvisioning, shutdownProvisioning as stopProvisioningQueue } from "./engine";
export type { EngineRun, EngineStatus, ProvisioningOutcome, Trigger } from "./types";
export { TRIGGERS } from "./types";
