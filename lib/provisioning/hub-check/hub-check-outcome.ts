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
 * uses when it throttles or is down. What tells them apart, best first: the hub's registry (read
 * with the hub's saved service credentials), or else the hub's other devices (a 3 for one device
 * while the hub accepts others is that device's). The caller gathers it (unavailable-evidence.ts).
 */
export type UnavailableEvidence =
  | { kind: "identity-disabled"; statusReason: string | null }
  | { kind: "identity-enabled" }
  | { kind: "others-accepted" }
  | { kind: "none" };

export const DISABLED_IDENTITY_EXPLANATION =
  "The hub turns this device away as unavailable (code 3) while it accepts other devices: IoT Hub answers so when the device's identity is disabled.";
export const DISABLED_IDENTITY_NEXT_STEP =
  "Re-provision, or check the identity in the hub (enable it), then check again.";
export const REGISTRY_DISABLED_NEXT_STEP =
  "Enable the identity in the hub (or re-provision the device), then check again.";

function registryDisabledExplanation(statusReason: string | null): string {
  const reason = statusReason?.trim() ? ` (reason given: "${statusReason.trim().slice(0, 200)}")` : "";
  return `The hub's registry shows this device's identity is disabled${reason}: IoT Hub turns a disabled identity away as unavailable (code 3).`;
}

export function isAmbiguousUnavailable(result: HubCheckResult): boolean {
  return result.kind === "hub-busy" && result.stage === "connect" && result.code === 3;
}

function refusedAsDisabled(errorMessage: string, nextStep: string): HubCheckVerdict {
  return {
    hubStatus: "refused",
    errorCode: "3",
    errorMessage,
    nextStep,
    retryInMs: null,
    outcome: "hub-refused",
    outage: false,
  };
}

export function judgeHubCheck(
  result: HubCheckResult,
  tries: number,
  random?: () => number,
  evidence: UnavailableEvidence = { kind: "none" },
): HubCheckVerdict {
  if (isAmbiguousUnavailable(result)) {
    if (evidence.kind === "identity-disabled")
      return refusedAsDisabled(
        registryDisabledExplanation(evidence.statusReason),
        REGISTRY_DISABLED_NEXT_STEP,
      );
    if (evidence.kind === "others-accepted")
      return refusedAsDisabled(DISABLED_IDENTITY_EXPLANATION, DISABLED_IDENTITY_NEXT_STEP);
    if (evidence.kind === "identity-enabled" && result.kind === "hub-busy")
      return judgeHubCheck(
        {
          ...result,
          message: `${result.message} The hub's registry shows the device's identity enabled, so the hub itself is throttling or not serving.`,
        },
        tries,
        random,
      );
  }
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
