import type { DpsFetch } from "@/lib/dps";
import { safeDecode } from "@/lib/dps/sas";
import { logger } from "@/lib/logger";
import { metrics } from "@/lib/observability/metrics";
import { chargeSlot, type SlotCosts } from "./rate-limiter";
import type pg from "pg";

type Prepaid = { register: number; operation: number };

const REGISTRATION_IN_URL = /\/registrations\/([^/?]+)(\/register)?/;

/**
 * Counts every HTTP request the DPS client sends against the global limiter. An attempt books its
 * PUT and first poll up front (claim-attempt.ts); whatever else the client sends for that device
 * (a second poll, a PUT retried after a 5xx, the secondary key) is charged to the bucket here, so
 * the fleet stays under the quota even when the client retries on its own.
 */
export class RequestMeter {
  private readonly prepaid = new Map<string, Prepaid>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly currentCosts: () => SlotCosts | null,
  ) {}

  prepay(registrationId: string): void {
    this.prepaid.set(registrationId.toLowerCase(), { register: 1, operation: 1 });
  }

  settle(registrationId: string): void {
    this.prepaid.delete(registrationId.toLowerCase());
  }

  wrap(fetch: DpsFetch): DpsFetch {
    return async (url, init) => {
      await this.account(url, init.method ?? "GET");
      const response = await fetch(url, init);
      if (response.status === 429)
        metrics().dpsThrottled.inc({ cause: this.currentCosts() ? "quota" : "self" });
      return response;
    };
  }

  private async account(url: string, method: string): Promise<void> {
    const match = REGISTRATION_IN_URL.exec(url);
    const isRegister = method === "PUT" && Boolean(match?.[2]);
    const key = match?.[1] ? (safeDecode(match[1]) ?? match[1]).toLowerCase() : null;
    const prepaid = key ? this.prepaid.get(key) : undefined;
    if (prepaid) {
      const slot = isRegister ? "register" : "operation";
      if (prepaid[slot] > 0) {
        prepaid[slot] -= 1;
        return;
      }
    }
    const costs = this.currentCosts();
    if (!costs) return;
    try {
      await chargeSlot(this.pool, isRegister ? costs.extraRegisterMs : costs.extraOperationMs);
    } catch (error) {
      logger.warn(
        { err: { message: (error as Error).message } },
        "could not charge an extra DPS request to the rate limiter",
      );
    }
  }
}
