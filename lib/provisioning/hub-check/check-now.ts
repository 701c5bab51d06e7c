import { metrics } from "@/lib/observability/metrics";
import type { Actor } from "@/db/schema/actor";
import { env } from "@/lib/env";
import { getEngine } from "../engine";
import { HubConnector } from "./hub-connector";
import { isAmbiguousUnavailable, judgeHubCheck, type HubCheckVerdict } from "./hub-check-outcome";
import { readCheckTarget, recordHubChecks, updateHubCircuits } from "./hub-check-sql";
import { tally } from "./hub-check-recorder";
import { gatherUnavailableEvidence } from "./unavailable-evidence";

export type HubCheckNowOutcome =
  | { kind: "checked"; hub: string; verdict: HubCheckVerdict; durationMs: number }
  | { kind: "missing" }
  /** No hub to check: the device is not assigned (yet). */
  | { kind: "not-assigned" }
  /** DPS is not connected, so the device's key cannot be derived. */
  | { kind: "not-connected" };

/** How recently another device must have connected for a "server unavailable" to be this device's. */
const RECENT_MS = 10 * 60_000;

let connector: { url: string | undefined; connector: HubConnector } | null = null;

/** One per process (its TLS context and sessions), rebuilt only if the configuration's database changes (tests). */
function sharedConnector(): HubConnector {
  const url = env().DATABASE_URL;
  if (!connector || connector.url !== url) connector = { url, connector: new HubConnector() };
  return connector.connector;
}

export type HubProbeOutcome =
  | { kind: "checked"; hub: string; deviceId: string; verdict: HubCheckVerdict; durationMs: number }
  | Exclude<HubCheckNowOutcome, { kind: "checked" }>;

type CheckTarget = NonNullable<Awaited<ReturnType<typeof readCheckTarget>>>;

/**
 * The check a person asks for, recorded or not: the device's hub, connected to as the device with
 * its keys now, whatever the hub's circuit says. A "server unavailable" is explained at once.
 */
async function checkAsAsked(
  deviceId: number,
  signal?: AbortSignal,
): Promise<
  | Exclude<HubCheckNowOutcome, { kind: "checked" }>
  | {
      kind: "checked";
      target: CheckTarget & { hub: string };
      verdict: HubCheckVerdict;
      startedAt: Date;
      durationMs: number;
    }
> {
  const engine = getEngine();
  const target = await readCheckTarget(engine.pool, deviceId);
  if (!target) return { kind: "missing" };
  if (target.status !== "assigned" || !target.hub) return { kind: "not-assigned" };
  const gate = await engine.gate.read(0);
  if (!gate.credentials) return { kind: "not-connected" };
  const startedAt = new Date();
  const result = await sharedConnector().check(
    target,
    { primaryKey: gate.credentials.primaryKey, secondaryKey: gate.credentials.secondaryKey ?? null },
    signal,
  );
  const durationMs = Date.now() - startedAt.getTime();
  const evidence = isAmbiguousUnavailable(result)
    ? await gatherUnavailableEvidence(engine.pool, target, {
        manual: true,
        othersSince: new Date(Date.now() - RECENT_MS),
      })
    : undefined;
  const verdict = judgeHubCheck(result, target.tries, undefined, evidence);
  return { kind: "checked", target: { ...target, hub: target.hub }, verdict, startedAt, durationMs };
}

/**
 * The troubleshooter's live check: the same connection as "Check hub connection" (same client, same
 * keys, same judgement), but nothing is recorded: not the device's hub status, not its history, not
 * the hub's circuit. Asking "why can't this device connect?" changes nothing in the platform.
 */
export async function probeHubAsDevice(deviceId: number, signal?: AbortSignal): Promise<HubProbeOutcome> {
  const checked = await checkAsAsked(deviceId, signal);
  if (checked.kind !== "checked") return checked;
  const { target, verdict, startedAt } = checked;
  return {
    kind: "checked",
    hub: target.hub,
    deviceId: target.hubDeviceId,
    verdict,
    // The troubleshooter's figure includes explaining a "server unavailable".
    durationMs: Date.now() - startedAt.getTime(),
  };
}

/**
 * A person's "Check hub connection": the check runs now, in this request, whatever the hub's
 * circuit says (it doubles as a probe: its result feeds the circuit too), and its result is the
 * device's hub status and a history row naming who asked.
 */
export async function checkHubNow(deviceId: number, actor: Actor): Promise<HubCheckNowOutcome> {
  const checked = await checkAsAsked(deviceId);
  if (checked.kind !== "checked") return checked;
  const { target, verdict, startedAt, durationMs } = checked;
  const engine = getEngine();
  metrics().hubChecks.inc({ outcome: verdict.outcome.replace(/^hub-/, "") });
  const record = {
    check: target,
    verdict,
    history: true,
    manual: true,
    startedAt,
    durationMs,
    actorId: actor?.id || null,
    actorEmail: actor?.email || null,
  };
  await recordHubChecks(engine.pool, [record]);
  await updateHubCircuits(engine.pool, tally([record]), engine.settings);
  return { kind: "checked", hub: target.hub, verdict, durationMs };
}
