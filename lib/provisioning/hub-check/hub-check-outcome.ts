import { isHubOutage, type HubCheckResult } from "@/lib/iot-hub";

/**
 * What one hub check means for the device row and its history. Pure, so it is tested without I/O.
 * A refusal is the device's and stays until someone acts; a hub that is busy or unreachable makes
 * the device wait and try again soon (the hub's circuit, not the device's backoff, keeps the load
 * off a hub that is down, so the wait stays short and a device follows within seconds of the hub's
 * return).
 */
export type HubCheckVerdict = {
  hubStatus: "connected" | "refused" | "unreachable";
  errorCode: string | null;
  errorMessage: string | null;
  nextStep: string | null;
  /** Another check is due after this long (null: none; the check came to a result that stays). */
  retryInMs: number | null;
  /** provisioning_history.outcome. */
  outcome: "hub-connected" | "hub-refused" | "hub-unreachable";
  /** Counts towards the hub's circuit. */
  outage: boolean;
};

export const HUB_RETRY_MIN_MS = 500;
export const HUB_RETRY_MAX_MS = 5_000;

export function hubRetryDelayMs(tries: number, random: () => number = Math.random): number {
  const ceiling = Math.min(HUB_RETRY_MAX_MS, HUB_RETRY_MIN_MS * 2 ** Math.max(0, tries));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * IoT Hub answers a disabled identity's CONNECT with "server unavailable" (3), the code it also
 * uses when it throttles or is down. A 3 for one device while the hub accepts others is that
 * device's: the caller says so with `hubAcceptsOthers`.
 */
export const DISABLED_IDENTITY_EXPLANATION =
  "The hub turns this device away as unavailable (code 3) while it accepts other devices: IoT Hub answers so when the device's identity is disabled.";
export const DISABLED_IDENTITY_NEXT_STEP =
  "Re-provision, or check the identity in the hub (enable it), then check again.";

export function isAmbiguousUnavailable(result: HubCheckResult): boolean {
  return result.kind === "hub-busy" && result.stage === "connect" && result.code === 3;
}

export function judgeHubCheck(
  result: HubCheckResult,
  tries: number,
  random?: () => number,
  hubAcceptsOthers = false,
): HubCheckVerdict {
  if (hubAcceptsOthers && isAmbiguousUnavailable(result))
    return {
      hubStatus: "refused",
      errorCode: "3",
      errorMessage: DISABLED_IDENTITY_EXPLANATION,
      nextStep: DISABLED_IDENTITY_NEXT_STEP,
      retryInMs: null,
      outcome: "hub-refused",
      outage: false,
    };
  switch (result.kind) {
    case "not-allowed":
      return judgeNotAllowedHub(result.message);
    case "connected":
      return {
        hubStatus: "connected",
        errorCode: null,
        errorMessage: null,
        nextStep: null,
        retryInMs: null,
        outcome: "hub-connected",
        outage: false,
      };
    case "refused":
      return {
        hubStatus: "refused",
        errorCode: String(result.code),
        errorMessage: result.explanation,
        nextStep: result.nextStep,
        retryInMs: null,
        outcome: "hub-refused",
        outage: false,
      };
    case "hub-busy":
    case "unreachable": {
      const outage = isHubOutage(result);
      return {
        hubStatus: "unreachable",
        errorCode: result.kind === "hub-busy" ? String(result.code) : result.networkCode,
        errorMessage: result.message,
        nextStep: outage
          ? "Nothing to do: the device waits and is checked again when the hub answers."
          : "Check hub connection again.",
        retryInMs: hubRetryDelayMs(tries, random),
        outcome: "hub-unreachable",
        outage,
      };
    }
  }
}

/** A hub outside the outbound policy: nothing was sent, and retrying cannot change that. */
export function judgeNotAllowedHub(message: string): HubCheckVerdict {
  return {
    hubStatus: "unreachable",
    errorCode: "not-allowed",
    errorMessage: message,
    nextStep: "Ask the server's administrator to add the hub to HIC_IOT_HUB_ADDRESSES, then check again.",
    retryInMs: null,
    outcome: "hub-unreachable",
    outage: false,
  };
}
