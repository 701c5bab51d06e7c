import { metrics } from "@/lib/observability/metrics";
import { setMaxListeners } from "node:events";
import { realSleep } from "@/lib/dps";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import type { Engine } from "../engine";
import { HubConnector, HUB_CHECK_TIMEOUT_MS, type GroupKeys } from "./hub-connector";
import { isAmbiguousUnavailable, judgeHubCheck } from "./hub-check-outcome";
import { HubCheckRecorder } from "./hub-check-recorder";
import { gatherUnavailableEvidence } from "./unavailable-evidence";
import {
  bookHubSlots,
  claimDueChecks,
  claimHubProbes,
  claimProbeCheck,
  releaseChecks,
  type DueCheck,
} from "./hub-check-sql";

/** Checks in flight per process (each mostly waits on the network or its paced slot). */
export const HUB_CHECK_CONCURRENCY = 48;
/** How often an idle loop looks for due checks: a device assigned now is checked within this. */
const IDLE_POLL_MS = 200;
/**
 * A busy loop claims again once this many of its slots are free, not at each one: a claim is three
 * statements (probes, claim, pacing), which per check cost more than the check's own work.
 */
const CLAIM_BATCH = 12;
/** Results waiting for their batch write beyond which a finished check keeps its slot until written. */
const RECORD_BACKLOG = 4 * HUB_CHECK_CONCURRENCY;
/** A claimed check's lease: its paced wait plus the whole check, with room to spare. */
const LEASE_SECONDS = Math.ceil(HUB_CHECK_TIMEOUT_MS / 1000) * 3;

export type HubCheckLoop = { stop(): Promise<void> };

/**
 * The hub checks of one worker process: claims due checks (oldest first, hubs with an open
 * circuit left out, one probe per open hub whose wait is over), waits for each hub's paced slot,
 * connects as the device, and records the results in batches. No standing sessions: every check
 * connects, reads the twin, reports, disconnects.
 */
export function startHubChecks(engine: Engine, options: { checksPerSecond?: number } = {}): HubCheckLoop {
  const config = env();
  const slotCostMs = 1000 / (options.checksPerSecond ?? config.HIC_IOT_HUB_CHECKS_PER_SECOND);
  const connector = new HubConnector(config);
  const recorder = new HubCheckRecorder(engine.pool, engine.settings);
  const stopping = new AbortController();
  // Every check in flight listens for the stop (and detaches when it ends).
  setMaxListeners(0, stopping.signal);
  const inFlight = new Set<Promise<void>>();
  const freeSlots = () => HUB_CHECK_CONCURRENCY - inFlight.size;
  /** Resolves the loop's wait once `slotsWanted` slots are free (or the loop is stopping). */
  let slotsFreed: { slotsWanted: number; resolve: () => void } | null = null;
  const wakeIfFree = () => {
    if (slotsFreed && (freeSlots() >= slotsFreed.slotsWanted || stopping.signal.aborted)) {
      slotsFreed.resolve();
      slotsFreed = null;
    }
  };
  const untilFree = (slotsWanted: number) =>
    new Promise<void>((resolve) => {
      slotsFreed = { slotsWanted, resolve };
      wakeIfFree();
    });

  const runOne = async (due: DueCheck, waitMs: number, keys: GroupKeys): Promise<void> => {
    if (waitMs > 0) await realSleep(waitMs, stopping.signal);
    if (stopping.signal.aborted) return releaseChecks(engine.pool, [due]);
    const startedAt = new Date();
    const result = await connector.check(due, keys, stopping.signal);
    if (result.kind === "unreachable" && result.cause === "aborted") return releaseChecks(engine.pool, [due]);
    const evidence = isAmbiguousUnavailable(result)
      ? await gatherUnavailableEvidence(engine.pool, due, {
          manual: false,
          othersSince: startedAt,
          signal: stopping.signal,
        })
      : undefined;
    const verdict = judgeHubCheck(result, due.tries, undefined, evidence);
    metrics().hubChecks.inc({ outcome: verdict.outcome.replace(/^hub-/, "") });
    const recorded = recorder.record({
      check: due,
      verdict,
      history: verdict.retryInMs === null || due.tries === 0,
      manual: false,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      actorId: null,
      actorEmail: null,
    });
    // The slot is free once the hub answered: the result joins the next batch write meanwhile (the
    // device stays leased until it is written). Only a database that falls behind holds slots.
    if (recorder.unwritten() > RECORD_BACKLOG) await recorded;
  };

  const start = (due: DueCheck, waitMs: number, keys: GroupKeys) => {
    const work = runOne(due, waitMs, keys)
      .catch((error: unknown) =>
        logger.warn(
          { err: { message: (error as Error).message }, deviceId: due.deviceId },
          "hub check failed to run",
        ),
      )
      .finally(() => {
        inFlight.delete(work);
        wakeIfFree();
      });
    inFlight.add(work);
  };

  /** Claims up to the free slots; returns whether the queue may hold more due checks now. */
  const claim = async (keys: GroupKeys): Promise<boolean> => {
    const free = freeSlots();
    if (free <= 0) return true;
    const probes: DueCheck[] = [];
    for (const hub of await claimHubProbes(
      engine.pool,
      engine.settings.circuitFailures,
      engine.settings.probeMaxMs,
    )) {
      const probe = await claimProbeCheck(engine.pool, hub, LEASE_SECONDS);
      if (probe) probes.push(probe);
    }
    const due = [
      ...probes,
      ...(await claimDueChecks(
        engine.pool,
        free - probes.length,
        LEASE_SECONDS,
        engine.settings.circuitFailures,
      )),
    ];
    const waits = await bookHubSlots(
      engine.pool,
      due.map((check) => check.hub),
      slotCostMs,
    );
    due.forEach((check, index) => start(check, waits[index] ?? 0, keys));
    return due.length >= free;
  };

  const loop = async () => {
    let awayMs = 0;
    while (!stopping.signal.aborted) {
      try {
        const gate = await engine.gate.read();
        const keys = gate.credentials
          ? { primaryKey: gate.credentials.primaryKey, secondaryKey: gate.credentials.secondaryKey ?? null }
          : null;
        const more = keys && !gate.paused ? await claim(keys) : false;
        awayMs = 0;
        // A full queue: claim again when a batch of slots is free; a drained one: look again soon.
        if (more) await untilFree(Math.min(CLAIM_BATCH, HUB_CHECK_CONCURRENCY));
        else await realSleep(IDLE_POLL_MS, stopping.signal);
      } catch (error) {
        awayMs = Math.min(5_000, Math.max(250, awayMs * 2));
        logger.warn(
          { err: { message: (error as Error).message } },
          "hub checks: cannot reach the database; trying again",
        );
        await realSleep(awayMs, stopping.signal);
      }
    }
  };
  const running = loop();

  return {
    async stop() {
      stopping.abort();
      wakeIfFree();
      await running;
      await Promise.allSettled([...inFlight]);
      await recorder.flush();
    },
  };
}
