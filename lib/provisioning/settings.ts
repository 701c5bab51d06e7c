import { env, type Env } from "@/lib/env";

/** Engine tuning, from the configuration (HIC_WORKER_CONCURRENCY, HIC_LEASE_SECONDS, …; tests shorten the lease and backoff). */
export type EngineSettings = {
  /** How long one attempt may hold a device before another worker may take it over. */
  leaseSeconds: number;
  /** Attempts in flight per worker process (most of their time is spent waiting on DPS's Retry-After). */
  concurrency: number;
  /** Attempts per request, automatic retries included, before the device shows failed. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often an idle worker looks for new jobs. */
  pollIntervalMs: number;
  /** How long a stopping worker lets in-flight DPS calls finish before aborting them. */
  shutdownGraceMs: number;
};

// The default concurrency of 64 keeps one process at ~1,000 registrations/min with DPS's usual 3 s Retry-After.
export function readEngineSettings(config: Env = env()): EngineSettings {
  return {
    leaseSeconds: config.HIC_LEASE_SECONDS,
    concurrency: config.HIC_WORKER_CONCURRENCY,
    maxAttempts: config.HIC_MAX_ATTEMPTS,
    retryBaseMs: config.HIC_RETRY_BASE_MS,
    retryMaxMs: config.HIC_RETRY_MAX_MS,
    pollIntervalMs: config.HIC_WORKER_POLL_MS,
    shutdownGraceMs: config.HIC_SHUTDOWN_GRACE_MS,
  };
}
