import type pg from "pg";
import { logger } from "@/lib/logger";
import { engineDomains, type HubIdentityStatus } from "../domains";
import type { UnavailableEvidence } from "./hub-check-outcome";
import { hubAcceptsOthers, type DueCheck } from "./hub-check-sql";

/** A registry read that hangs must not hold the check's slot for long: the check then waits as before. */
const REGISTRY_READ_TIMEOUT_MS = 5_000;

/**
 * Why the hub answered this device "server unavailable" (3). An automatic check asks the hub's
 * registry once the device met a 3 before (a person's check at once): a first 3 is most often a
 * hub starting to throttle, and a hub in trouble should not get a registry read from every check
 * in flight. Without a registry answer (no credentials with registry read, or the read failed),
 * the hub's other devices tell, after a second 3 for the device.
 */
export async function gatherUnavailableEvidence(
  pool: Pick<pg.Pool, "query">,
  check: Pick<DueCheck, "deviceId" | "hub" | "hubDeviceId" | "tries">,
  options: { manual: boolean; othersSince: Date; signal?: AbortSignal },
): Promise<UnavailableEvidence> {
  if (options.manual || check.tries >= 1) {
    const status = await readIdentityStatus(check.hub, check.hubDeviceId, options.signal);
    if (status.kind === "disabled") return { kind: "identity-disabled", statusReason: status.statusReason };
    if (status.kind === "enabled") return { kind: "identity-enabled" };
  }
  if (
    (options.manual || check.tries >= 2) &&
    (await hubAcceptsOthers(pool, check.hub, check.deviceId, options.othersSince))
  )
    return { kind: "others-accepted" };
  return { kind: "none" };
}

async function readIdentityStatus(
  hub: string,
  deviceId: string,
  signal: AbortSignal | undefined,
): Promise<HubIdentityStatus> {
  const timeout = AbortSignal.timeout(REGISTRY_READ_TIMEOUT_MS);
  try {
    return await engineDomains().readHubIdentityStatus(
      hub,
      deviceId,
      signal ? AbortSignal.any([signal, timeout]) : timeout,
    );
  } catch (error) {
    // The hub's credentials cannot be read (another HIC_SECRET_KEY): judged as without them.
    logger.warn(
      { err: { message: (error as Error).message }, hub },
      "hub check: cannot read the hub's registry",
    );
    return { kind: "unknown", reason: (error as Error).message };
  }
}
