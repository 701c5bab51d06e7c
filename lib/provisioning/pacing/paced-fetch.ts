import type pg from "pg";
import { realSleep, type DpsFetch } from "@/lib/dps";
import { reserveSlot, type SlotCosts } from "./rate-limiter";

/**
 * A fetch for DPS's service API that waits for its turn in the global rate limiter before each
 * request. Every service call (a page of registration states, a delete) is one DPS operation, so it
 * books one operation's worth of the same bucket the provisioning attempts book: reconciliation,
 * cleanup and provisioning together stay under the instance's operations quota, in every process.
 */
export function pacedFetch(fetch: DpsFetch, pool: pg.Pool, costs: () => Promise<SlotCosts | null>): DpsFetch {
  return async (url, init) => {
    const current = await costs();
    if (current && current.extraOperationMs > 0) {
      const wait = await reserveSlot(pool, current.extraOperationMs);
      if (wait > 0) await realSleep(wait, init.signal);
    }
    return fetch(url, init);
  };
}
