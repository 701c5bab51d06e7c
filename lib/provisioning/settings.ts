/** Engine tuning, read once per process from the environment (tests shorten the lease and backoff). */
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

function positive(value: string | undefined, fallback: number, min = 1): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= min ? parsed : fallback;
}

export function readEngineSettings(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  return {
    leaseSeconds: positive(env.HIC_LEASE_SECONDS, 90, 2),
    // 64 in flight keep one process at ~1,000 registrations/min with DPS's usual 3 s Retry-After.
    concurrency: Math.floor(positive(env.HIC_WORKER_CONCURRENCY, 64)),
    maxAttempts: Math.floor(positive(env.HIC_MAX_ATTEMPTS, 6)),
    retryBaseMs: positive(env.HIC_RETRY_BASE_MS, 5_000, 0),
    retryMaxMs: positive(env.HIC_RETRY_MAX_MS, 5 * 60_000),
    pollIntervalMs: positive(env.HIC_WORKER_POLL_MS, 1_000, 50),
    shutdownGraceMs: positive(env.HIC_SHUTDOWN_GRACE_MS, 8_000, 0),
  };
}
