import { dpsFailureCode } from "@/lib/dps/failure-code";
import { logger } from "@/lib/logger";
import { engineDomains, type DpsCallOutcome } from "../domains";

/** At most one write per kind in this interval: the integration row is one hot row for every worker. */
const MIN_INTERVAL_MS = 5_000;

export type FailureFacts = {
  kind: string;
  cause?: string | null;
  httpStatus?: number | null;
  dpsErrorCode?: number | null;
  message: string;
};

/** Feeds the integration tile (last success, last failure) from provisioning, throttled per process. */
export class HealthReporter {
  private lastSuccessAt = 0;
  private readonly lastFailureAt = new Map<string, number>();

  async success(summary: string): Promise<void> {
    const now = Date.now();
    if (now - this.lastSuccessAt < MIN_INTERVAL_MS) return;
    this.lastSuccessAt = now;
    await this.write({ ok: true, summary });
  }

  async failure(facts: FailureFacts): Promise<void> {
    const kind = dpsFailureCode(facts);
    const now = Date.now();
    if (now - (this.lastFailureAt.get(kind) ?? 0) < MIN_INTERVAL_MS) return;
    this.lastFailureAt.set(kind, now);
    // A failure after a success must show at once, and the next success must clear it.
    this.lastSuccessAt = 0;
    await this.write({ ok: false, kind, message: facts.message });
  }

  private async write(outcome: DpsCallOutcome): Promise<void> {
    const { recordDpsCallOutcome } = engineDomains();
    try {
      await recordDpsCallOutcome(outcome);
    } catch (error) {
      logger.warn(
        { err: { message: (error as Error).message } },
        "could not record the DPS call outcome on the integration",
      );
    }
  }
}
