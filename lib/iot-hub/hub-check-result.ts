/**
 * The outcome of one hub check, as the engine records it. `refused` is the device's problem and
 * stays until someone acts; `hub-busy` and `unreachable` are the hub's state, so the device waits
 * and is checked again (and they count towards the hub's circuit).
 */
export type HubCheckStage = "connect" | "twin-get" | "twin-patch";

export type HubCheckResult =
  | { kind: "connected"; twinVersion: number | null; durationMs: number }
  | {
      kind: "refused";
      stage: HubCheckStage;
      /** The CONNACK return code (stage connect) or the twin answer's status. */
      code: number;
      explanation: string;
      nextStep: string;
      durationMs: number;
    }
  | { kind: "hub-busy"; stage: HubCheckStage; code: number; message: string; durationMs: number }
  /** The hub is outside the outbound policy: nothing was sent (and retrying cannot change that). */
  | { kind: "not-allowed"; message: string; durationMs: number }
  | {
      kind: "unreachable";
      cause: "connect" | "tls" | "timeout" | "closed" | "aborted";
      /** The network error's code (ECONNREFUSED, CERT_HAS_EXPIRED, …) when there is one. */
      networkCode: string | null;
      message: string;
      durationMs: number;
    };

/** Whether the result says something about the hub as a whole (counts towards its circuit). */
export function isHubOutage(result: HubCheckResult): boolean {
  return result.kind === "hub-busy" || (result.kind === "unreachable" && result.cause !== "aborted");
}

/** A twin answer other than success: throttling and server errors are the hub's, the rest the device's. */
export function judgeTwinStatus(
  stage: Exclude<HubCheckStage, "connect">,
  status: number,
  durationMs: number,
): HubCheckResult {
  const what = stage === "twin-get" ? "read the device twin" : "report properties to the device twin";
  if (status === 429 || status >= 500)
    return {
      kind: "hub-busy",
      stage,
      code: status,
      message: `The hub could not ${what} right now (status ${status}${status === 429 ? ", throttled" : ""}); the check is tried again.`,
      durationMs,
    };
  return {
    kind: "refused",
    stage,
    code: status,
    explanation: `The device connected, but the hub refused to ${what} (status ${status}).`,
    nextStep:
      status === 401 || status === 403
        ? "Check the identity in the hub (enabled, allowed to use its twin), then check again."
        : "Check the hub's twin settings and the device's identity, then check again.",
    durationMs,
  };
}
