import type pg from "pg";
import type { Actor } from "@/db/schema/actor";
import type { DpsCredentials } from "@/lib/dps/credentials";
import type { DpsServiceClient } from "@/lib/dps/service/client";
import type { RemovalChoice } from "@/db/schema/hub-lifecycle";

/**
 * What the engine needs from the domains above it, handed in rather than imported: the engine
 * knows DPS and the database, nothing above them. lib/engine-wiring.ts fills this in, once per
 * process (instrumentation.ts, the worker command, the launcher, the test fixtures); a hub or any
 * other domain that gives the engine work adds its part there.
 */
export type EngineDomains = {
  /**
   * The DPS connection, or null while DPS is not connected. Throws when the stored key cannot be
   * decrypted (saved under another HIC_SECRET_KEY); the engine then waits as if disconnected.
   */
  loadDpsCredentials(): Promise<DpsCredentials | null>;
  /** Feeds the integration's health (the tile's last success / last failure). */
  recordDpsCallOutcome(outcome: DpsCallOutcome): Promise<void>;
  /** One slice of a reconciliation run, as the RECONCILE queue's job runs it (`owner` is the job's id). */
  reconcileSlice(context: ServiceWorkContext, runId: number, owner: string): Promise<ReconcileSliceOutcome>;
  /** One slice of a hub drift run, on the same RECONCILE queue (its jobs say `kind: "hub-drift"`). */
  hubDriftSlice(context: HubWorkContext, runId: number, owner: string): Promise<ReconcileSliceOutcome>;
  /** A batch of the REMOVAL queue's jobs: each device removed the chosen way (its DPS record, its hub identity). */
  removeDevices(context: ServiceWorkContext, removals: DeviceRemoval[]): Promise<void>;
  /**
   * Deletes the identities moved devices left in their old hubs (queued by the database when a move
   * is recorded while the tile's "clean the old hub" is on), a few at a time; `more` when some are due still.
   */
  cleanMovedHubs(context: ServiceWorkContext): Promise<{ more: boolean }>;
  /**
   * The service side's periodic chores (refreshing the policy's rights and the group at a glance),
   * and the reconciliation runs that lost their job, for the engine to queue again.
   */
  serviceHousekeeping(
    context: ServiceWorkContext,
  ): Promise<{ stalledReconciliations: number[]; stalledHubDrifts?: number[] }>;
  /**
   * What the hub's registry says of one identity, read with the hub's saved service credentials:
   * the hub check's way to tell a disabled identity's "server unavailable" (CONNACK 3) from a busy
   * hub. `unknown` when the hub has no credentials with registry read, or the read failed.
   */
  readHubIdentityStatus(hubHost: string, deviceId: string, signal?: AbortSignal): Promise<HubIdentityStatus>;
};

export type HubIdentityStatus =
  | { kind: "enabled" }
  | { kind: "disabled"; statusReason: string | null }
  | { kind: "missing" }
  | { kind: "unknown"; reason: string };

/** `kind` is a failure code (lib/dps/failure-code.ts); `message` never holds a key. */
export type DpsCallOutcome = { ok: true; summary: string } | { ok: false; kind: string; message: string };

/** What queue work on DPS's service API gets from the engine: its connections, its paced client, its stop. */
export type ServiceWorkContext = { pool: pg.Pool; serviceClient: DpsServiceClient; signal: AbortSignal };

/** What queue work on the IoT hubs' service API gets: the engine's pool and its stop (each hub's client comes from its credentials). */
export type HubWorkContext = { pool: pg.Pool; signal: AbortSignal };

export type ReconcileSliceOutcome =
  | { kind: "completed"; counts: object }
  /** The slice's time is up: queue the next slice now. */
  | { kind: "continue" }
  /** DPS is unreachable or throttling: queue the next slice later. */
  | { kind: "retry-later"; delayMs: number }
  | { kind: "failed"; reason: string }
  /** Another job holds the run (or it is finished): nothing to do. */
  | { kind: "not-claimed" };

export type DeviceRemoval = {
  deviceId: number;
  choice: RemovalChoice;
  leaveUncleanable: boolean;
  actor: Actor;
};

// The instrumentation bundle and the route bundles may load this module twice: share through globalThis.
const globalForDomains = globalThis as unknown as { hicEngineDomains?: EngineDomains };

/** Hands the engine its domains (lib/engine-wiring.ts; tests may hand in stand-ins). */
export function provideEngineDomains(domains: EngineDomains): void {
  globalForDomains.hicEngineDomains = domains;
}

export function engineDomains(): EngineDomains {
  const domains = globalForDomains.hicEngineDomains;
  if (!domains)
    throw new Error(
      "the provisioning engine has no domains wired: call wireEngine() from lib/engine-wiring.ts at the process's start",
    );
  return domains;
}
