import type { DpsErrorKind } from "@/lib/dps";
import type { DeviceStatus } from "@/db/schema/device-statuses";

export const TRIGGERS = ["add", "import", "connect", "reprovision", "retry", "automatic"] as const;
/** Why an attempt ran; `automatic` is the engine's own retry after a throttled or transient failure. */
export type Trigger = (typeof TRIGGERS)[number];

/** `interrupted`: the worker holding the attempt stopped (crash, kill) and its lease ran out. */
export type AttemptErrorKind = DpsErrorKind | "failed" | "disabled" | "interrupted";

type OutcomeBase = {
  /** The device's status after the attempt (null when the device no longer exists). */
  status: DeviceStatus | null;
  hub: string | null;
  /** One plain sentence for a toast; the UI explains errors with explainDpsError from `errorKind`. */
  message: string;
};

/** What one inline provisioning request came to. */
export type ProvisioningOutcome =
  | (OutcomeBase & {
      kind: "assigned";
      previousHub: string | null;
      substatus: string | null;
      dpsDeviceId: string;
      attemptId: string;
      durationMs: number;
    })
  | (OutcomeBase & {
      /** DPS answered, but with a status other than assigned (`failed`, `disabled`) or an error. */
      kind: "error";
      errorKind: AttemptErrorKind;
      errorCode: string | null;
      /** True when the engine queued another attempt (throttled, transient, unreachable). */
      willRetry: boolean;
      nextRetryAt: string | null;
      attemptId: string;
      durationMs: number;
    })
  | (OutcomeBase & {
      /** Not attempted now; a queued job does it when the engine can. */
      kind: "deferred";
      reason: "paused" | "not-connected" | "in-progress" | "cancelled" | "dps-unreachable" | "key-refused";
    })
  | (OutcomeBase & { kind: "device-not-found" });

export type EngineRun = {
  id: number;
  trigger: string;
  total: number;
  done: number;
  failed: number;
  startedAt: string;
  ratePerMinute: number;
  etaSeconds: number | null;
};

/**
 * DPS's health as the whole engine sees it (the dps_circuit row): reachable; unreachable since
 * `since`, probed again at `nextCheckAt`; or refusing the stored key since `since`.
 */
export type DpsHealth =
  | { state: "available" }
  | { state: "unreachable"; since: string; nextCheckAt: string | null; lastError: string | null }
  | { state: "key-refused"; since: string; lastError: string | null };

export type EngineStatus = {
  connected: boolean;
  paused: boolean;
  dps: DpsHealth;
  counts: Record<DeviceStatus, number>;
  activeRun: EngineRun | null;
  /** Attempts waiting in the queue (not counting those in flight). */
  queued: number;
  /** The configured DPS quotas; 0 while not connected. */
  registrationsPerMinute: number;
  operationsPerMinute: number;
};

/** What a queued job carries; the device row holds everything else. */
export type ProvisionJobData = {
  deviceId: number;
  runId: number | null;
  trigger: Trigger;
  actorId: string | null;
  actorEmail: string | null;
  /** 1 for a fresh request, counting up through the engine's automatic retries. */
  attempt: number;
};
