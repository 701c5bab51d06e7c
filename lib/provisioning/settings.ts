import { env, type Env } from "@/lib/env";

/** Engine tuning, from the configuration (HIC_WORKER_CONCURRENCY, HIC_LEASE_SECONDS, …; tests shorten the lease and backoff). */
export type EngineSettings = {
  /** How long one attempt may hold a device before another worker may take it over. */
  leaseSeconds: number;
  /** Attempts in flight per worker process, or `auto` (./worker/concurrency.ts derives it from the quota). */
  concurrency: number | "auto";
  /** Attempts per request, automatic retries included, before the device shows failed. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often an idle worker looks for new jobs. */
  pollIntervalMs: number;
  /** How long a stopping worker lets in-flight DPS calls finish before aborting them. */
  shutdownGraceMs: number;
  /** How often this process's heartbeat row is refreshed, and when a silent process counts as gone. */
  heartbeatMs: number;
  heartbeatStaleMs: number;
  /** Failed DPS requests in a row, fleet-wide, that open the circuit. */
  circuitFailures: number;
  /** Capped exponential backoff between probes of an unreachable DPS. */
  probeMinMs: number;
  probeMaxMs: number;
};

export function readEngineSettings(config: Env = env()): EngineSettings {
  return {
    leaseSeconds: config.HIC_LEASE_SECONDS,
    concurrency: config.HIC_WORKER_CONCURRENCY,
    maxAttempts: config.HIC_MAX_ATTEMPTS,
    retryBaseMs: config.HIC_RETRY_BASE_MS,
    retryMaxMs: config.HIC_RETRY_MAX_MS,
    pollIntervalMs: config.HIC_WORKER_POLL_MS,
    shutdownGraceMs: config.HIC_SHUTDOWN_GRACE_MS,
    heartbeatMs: config.HIC_HEARTBEAT_MS,
    heartbeatStaleMs: config.HIC_HEARTBEAT_STALE_MS,
    circuitFailures: config.HIC_DPS_CIRCUIT_FAILURES,
    probeMinMs: config.HIC_DPS_PROBE_MIN_MS,
    probeMaxMs: config.HIC_DPS_PROBE_MAX_MS,
  };
}
