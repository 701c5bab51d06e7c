import type pg from "pg";
import type { DpsFetch } from "@/lib/dps";
import { failureFromNetworkError } from "@/lib/dps/errors";
import { dpsFailureCode } from "@/lib/dps/failure-code";
import { logger } from "@/lib/logger";
import type { EngineSettings } from "../settings";
import { reportRequests } from "./circuit-store";

/** What one HTTP exchange with DPS says about DPS's health: it answered, it did not, or nothing (our own abort, a certificate problem). */
export type RequestObservation =
  { answered: true } | { answered: false; kind: string; message: string } | null;

/** 5xx (except the permanent 501/505) and 429 mean DPS is not serving requests now; any other answer means it is. */
export function observeStatus(status: number): RequestObservation {
  if (status === 429)
    return { answered: false, kind: "throttled::429", message: "DPS answered 429 Too Many Requests." };
  if (status >= 500 && status !== 501 && status !== 505)
    return { answered: false, kind: `transient:http-5xx:${status}`, message: `DPS answered HTTP ${status}.` };
  return { answered: true };
}

/** No connection, a reset, a timeout: DPS is unreachable. A certificate DPS cannot prove is a setting to fix, not an outage. */
export function observeNetworkError(error: unknown): RequestObservation {
  const failure = failureFromNetworkError(error);
  if (failure.kind === "unreachable" && failure.cause === "tls") return null;
  const cause = "cause" in failure ? failure.cause : null;
  return { answered: false, kind: dpsFailureCode({ kind: failure.kind, cause }), message: failure.message };
}

/** Reports are gathered this long, so a busy worker writes the shared row a few times a second at most. */
const REPORT_WINDOW_MS = 100;

/**
 * This process's part of the fleet-wide failure streak. Every DPS request the engine sends passes
 * `wrap`; failures (and the answer that ends a streak) are reported to the dps_circuit row in
 * batches, and the row opens the circuit once the streak, counted across every worker, reaches
 * HIC_DPS_CIRCUIT_FAILURES. Answers while the fleet has no streak cost nothing.
 */
export class CircuitReporter {
  private answered = false;
  private tail = 0;
  private lastFailure: { kind: string; message: string } | null = null;
  /** Whether the shared row may hold a streak an answer should end (ours, or one the gate saw). */
  private streakKnown = false;
  private timer: NodeJS.Timeout | null = null;
  /** The last report started or queued (reports never reject: a failed one keeps its counts for the next). */
  private previous: Promise<void> = Promise.resolve();
  /** The queued report that has not started yet. */
  private next: Promise<void> | null = null;

  constructor(
    private readonly pool: Pick<pg.Pool, "query">,
    private readonly settings: Pick<EngineSettings, "circuitFailures" | "probeMinMs">,
    /** Called when this process's report opened the circuit. */
    private readonly onOpened: () => void,
  ) {}

  wrap(fetch: DpsFetch): DpsFetch {
    return async (url, init) => {
      let response: Awaited<ReturnType<DpsFetch>>;
      try {
        response = await fetch(url, init);
      } catch (error) {
        if (!init.signal?.aborted) this.observe(observeNetworkError(error));
        throw error;
      }
      this.observe(observeStatus(response.status));
      return response;
    };
  }

  observe(observation: RequestObservation): void {
    if (!observation) return;
    if (observation.answered) {
      this.answered = true;
      this.tail = 0;
      if (!this.streakKnown) return;
    } else {
      this.tail += 1;
      this.lastFailure = { kind: observation.kind, message: observation.message };
    }
    this.timer ??= setTimeout(() => void this.flush(), REPORT_WINDOW_MS);
  }

  /** The gate read a streak in the shared row: the next answer must end it. */
  noteFleetStreak(consecutiveFailures: number): void {
    if (consecutiveFailures > 0) this.streakKnown = true;
  }

  /**
   * Resolves once everything observed before the call is in the shared row (an attempt asks right
   * after whether its own failures opened the circuit). A report already under way started without
   * the latest observations, so the next one queues behind it; calls made meanwhile share that one.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.next ??= this.previous.then(() => {
      this.next = null;
      return this.report();
    });
    this.previous = this.next;
    return this.next;
  }

  private async report(): Promise<void> {
    if (!this.answered && this.tail === 0) return;
    const report = {
      answered: this.answered,
      tail: this.tail,
      kind: this.lastFailure?.kind ?? null,
      message: this.lastFailure?.message ?? null,
    };
    this.answered = false;
    this.tail = 0;
    this.lastFailure = null;
    try {
      const row = await reportRequests(
        this.pool,
        report,
        this.settings.circuitFailures,
        this.settings.probeMinMs,
      );
      this.streakKnown = (row?.consecutiveFailures ?? 0) > 0;
      if (row?.state === "open") {
        logger.warn(
          { failures: row.consecutiveFailures, lastError: report.kind },
          "DPS is unreachable: provisioning stops sending device work and probes DPS until it answers",
        );
        this.onOpened();
      }
    } catch (error) {
      // The database is away too: keep the count for the next report rather than lose it.
      // (An answer observed since then supersedes the failures before it.)
      if (!this.answered) {
        this.answered = report.answered;
        this.tail += report.tail;
        this.lastFailure ??=
          report.kind && report.message ? { kind: report.kind, message: report.message } : null;
      }
      logger.debug(
        { err: { message: (error as Error).message } },
        "could not report DPS request outcomes; retrying",
      );
      this.timer ??= setTimeout(() => void this.flush(), 1_000);
    }
  }

  /** Stops the report timer (engine shutdown). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
