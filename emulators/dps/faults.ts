import type { Faults } from "./config";

export type RandomSource = () => number;

export type FaultDraw =
  | { kind: "none" }
  | { kind: "reset" }
  | { kind: "server-error"; status: 500 | 503 }
  | { kind: "malformed" }
  | { kind: "throttled" };

/**
 * Decides which failure, if any, a device request suffers. Each rate draws only when it is set, so a
 * test that injects a scripted random source gets one draw per configured fault, in this order.
 * (An outage, `unreachable`, is not drawn: while it is on, every request fails.)
 */
export function drawFault(faults: Faults, random: RandomSource): FaultDraw {
  if (faults.resetRate > 0 && random() < faults.resetRate) return { kind: "reset" };
  if (faults.serverErrorRate > 0 && random() < faults.serverErrorRate) {
    return { kind: "server-error", status: random() < 0.5 ? 500 : 503 };
  }
  if (faults.malformedRate > 0 && random() < faults.malformedRate) return { kind: "malformed" };
  if (faults.throttleRate > 0 && random() < faults.throttleRate) return { kind: "throttled" };
  return { kind: "none" };
}

/** A body cut mid-way, the shape of a response lost to a broken proxy: never valid JSON, never empty. */
export function truncateBody(body: string): string {
  return body.slice(0, Math.max(1, Math.floor(body.length / 2)));
}
