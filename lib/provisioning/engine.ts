import { readFileSync } from "node:fs";
import pg from "pg";
import type PgBoss from "pg-boss";
import type { Actor } from "@/db/schema/actor";
import { createDpsClient, createDpsFetch, type DpsClient, type DpsFetch } from "@/lib/dps";
import { createDpsServiceClient, type DpsServiceClient } from "@/lib/dps/service/client";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { writeProvisioningPaused } from "./control";
import { EngineGate } from "./engine-gate";
import { HealthReporter } from "./attempts/health-reporter";
import { CircuitReporter } from "./health/circuit-reporter";
import { Heartbeat } from "./health/heartbeat";
import { OutageSignal } from "./health/outage-signal";
import { startBoss } from "./queue/boss";
import { RequestMeter } from "./pacing/request-meter";
import { pacedFetch } from "./pacing/paced-fetch";
import { readEngineSettings, type EngineSettings } from "./settings";
import { surviveLostConnections } from "@/db/lost-connections";

/** Everything one process shares between its worker and inline attempts: one DPS client, one pacing view. */
export type Engine = {
  settings: EngineSettings;
  /** The engine's own connections (see createEnginePool). */
  pool: pg.Pool;
  client: DpsClient;
  /** DPS's service API (reconciliation, deleting registration records), each request paced in the global limiter. */
  serviceClient: DpsServiceClient;
  gate: EngineGate;
  health: HealthReporter;
  meter: RequestMeter;
  /** This process's heartbeat; its id names the process on every attempt it claims. */
  heartbeat: Heartbeat;
  /** Reports this process's DPS request failures to the shared circuit. */
  circuit: CircuitReporter;
  /** For probing an unreachable DPS: one request per probe, no retries of its own. */
  probeClient: DpsClient;
  /** Aborted while this process knows DPS is unreachable: calls in flight stop retrying. */
  outage: OutageSignal;
  boss(): Promise<PgBoss>;
  shutdown(): Promise<void>;
};

export type EngineOptions = {
  /** A fetch for DPS (e.g. `createDpsFetch({ caPem: emulator.caPem })`); every request it sends is paced. */
  fetch?: DpsFetch;
  /** A ready DPS client; requests it sends are not metered beyond the booked slot per attempt. */
  dpsClient?: DpsClient;
  settings?: Partial<EngineSettings>;
};

/**
 * The engine writes a device's status twice per attempt, and each status change updates the
 * trigger-kept `device_counts` row, which every attempt shares: waiting for the WAL flush while
 * holding that row lock would serialise the whole fleet at disk-flush speed. Its connections
 * therefore commit asynchronously. What that risks is only a database-server crash losing the
 * last fraction of a second of attempt bookkeeping, which the lease and job expiry redo (a DPS
 * registration is idempotent per registration ID).
 */
function createEnginePool(): pg.Pool {
  const { DATABASE_URL: url, HIC_ENGINE_POOL_SIZE: max } = env();
  if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start`, which provides it.");
  const pool = new pg.Pool({
    connectionString: url,
    max,
    options: "-c synchronous_commit=off",
    application_name: "hic-provisioning",
  });
  surviveLostConnections(pool, (error) =>
    logger.warn({ err: { message: error.message } }, "idle provisioning database connection failed"),
  );
  return pool;
}

/**
 * HIC_DPS_CA_FILE trusts one more CA for DPS only; NODE_EXTRA_CA_CERTS (whole process) works too.
 * Every request goes only to a host the outbound policy allows (lib/security/dps-host-policy).
 */
function defaultFetch(): DpsFetch {
  const caFile = env().HIC_DPS_CA_FILE;
  return createDpsFetch({
    enforceHostPolicy: true,
    ...(caFile ? { caPem: readFileSync(caFile, "utf8") } : {}),
  });
}

/** Ends every DPS call well before its lease, so a slow call is recorded as a timeout and retried. */
function operationTimeoutMs(leaseSeconds: number): number {
  const leaseMs = leaseSeconds * 1000;
  return leaseMs - Math.min(15_000, Math.max(1_000, leaseMs / 6));
}

function createEngine(options: EngineOptions): Engine {
  const settings = { ...readEngineSettings(), ...options.settings };
  const pool = createEnginePool();
  // The gate is read before the reporter exists only in theory: the reporter is made right below.
  let circuit: CircuitReporter | null = null;
  const outage = new OutageSignal();
  const gate = new EngineGate(pool, (state) => {
    circuit?.noteFleetStreak(state.circuit.consecutiveFailures);
    if (state.dps === "unreachable") outage.trip();
    else outage.clear();
  });
  circuit = new CircuitReporter(pool, settings, () => {
    outage.trip();
    gate.invalidate();
  });
  const meter = new RequestMeter(pool, () => gate.last()?.costs ?? null);
  const fetch = options.fetch ?? defaultFetch();
  const client =
    options.dpsClient ??
    createDpsClient({
      fetch: meter.wrap(circuit.wrap(fetch)),
      operationTimeoutMs: operationTimeoutMs(settings.leaseSeconds),
    });
  const probeClient =
    options.dpsClient ??
    createDpsClient({
      fetch: meter.wrap(fetch),
      requestTimeoutMs: 10_000,
      operationTimeoutMs: 15_000,
      retryPolicy: { maxAttempts: 1, maxUnreachableAttempts: 1 },
    });
  const serviceClient = createDpsServiceClient({
    fetch: pacedFetch(fetch, pool, async () => (await gate.read()).costs),
    requestTimeoutMs: 30_000,
  });
  const heartbeat = new Heartbeat(pool, settings);
  let boss: Promise<PgBoss> | null = null;
  return {
    settings,
    pool,
    client,
    serviceClient,
    probeClient,
    gate,
    health: new HealthReporter(),
    meter,
    heartbeat,
    circuit,
    outage,
    boss() {
      boss ??= startBoss(pool, settings).catch((error: unknown) => {
        boss = null;
        throw error;
      });
      return boss;
    },
    async shutdown() {
      circuit.dispose();
      await circuit.flush().catch(() => {});
      await heartbeat.stop();
      const started = await boss?.catch(() => null);
      await started?.stop({ graceful: false, close: false, wait: true });
      await pool.end();
    },
  };
}

// The instrumentation bundle and the route bundles may load this module twice: share through globalThis.
const globalForEngine = globalThis as unknown as {
  hicProvisioning?: { url: string | undefined; engine: Engine };
  hicProvisioningOptions?: EngineOptions;
};

/** This process's engine, created on first use (and again if DATABASE_URL changed, as in tests). */
export function getEngine(): Engine {
  const current = globalForEngine.hicProvisioning;
  const url = env().DATABASE_URL;
  if (current && current.url === url) return current.engine;
  const engine = createEngine(globalForEngine.hicProvisioningOptions ?? {});
  globalForEngine.hicProvisioning = { url, engine };
  if (current) void current.engine.shutdown().catch(() => {});
  return engine;
}

/** Rebuilds this process's engine from `options` (the worker's and the tests' hook). */
export function configureProvisioningEngine(options: EngineOptions): Engine {
  globalForEngine.hicProvisioningOptions = options;
  const previous = globalForEngine.hicProvisioning;
  const engine = createEngine(options);
  globalForEngine.hicProvisioning = { url: env().DATABASE_URL, engine };
  if (previous) void previous.engine.shutdown().catch(() => {});
  return engine;
}

/** Stops this process's pg-boss and closes the engine's connections (scripts and tests, at exit). */
export async function shutdownProvisioning(): Promise<void> {
  const current = globalForEngine.hicProvisioning;
  globalForEngine.hicProvisioning = undefined;
  await current?.engine.shutdown();
}

/**
 * Pauses or resumes provisioning in every process: workers elsewhere see it within their gate's
 * cache time (1 s), this process at once.
 */
export async function setProvisioningPaused(paused: boolean, actor: Actor): Promise<void> {
  await writeProvisioningPaused(paused, actor);
  getEngine().gate.invalidate();
}

/** DPS's service API client of this process's engine, each request paced in the global limiter. */
export function dpsServiceClient(): DpsServiceClient {
  return getEngine().serviceClient;
}

/** The DPS connection was saved or removed: this process's next look at it reads it anew (a refusal of old keys ends at once). */
export function noteIntegrationChanged(): void {
  globalForEngine.hicProvisioning?.engine.gate.invalidate();
}
