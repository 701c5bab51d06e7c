import { classifyNetworkCode, findCodedError } from "@/lib/http/network-error";
import type { HttpReply } from "@/lib/http/fetch-types";
import { hubErrorOf } from "./wire";

export type HubFailureKind =
  | "not-found"
  | "unauthorized"
  | "forbidden"
  | "precondition-failed"
  | "throttled"
  | "unreachable"
  | "server"
  | "invalid-response"
  | "not-allowed-host";

export type HubFailure = { kind: HubFailureKind; status: number | null; message: string };

export type HubServiceResult<T> = { ok: true; value: T } | { ok: false; failure: HubFailure };

/** Whether another try may get another answer, and how many tries that deserves. */
export type Retryability = "no" | "yes" | "few";

export type ClassifiedFailure = { failure: HubFailure; retry: Retryability };

/** Not-implemented and unsupported-HTTP-version answers will not change on a retry. */
const PERMANENT_5XX = new Set([501, 505]);

/**
 * A non-2xx answer as a failure kind, with the hub's own words (docs/iot-hub-protocol.md §3.2). A
 * 404 counts as "not-found" only when it is about the device: IotHubNotFound means no hub answers
 * to that name, and a caller deleting must never take that for "already gone".
 */
export function failureFromHubReply(hubHost: string, reply: HttpReply): ClassifiedFailure {
  const { code, message } = hubErrorOf(reply.body, reply.headers.get("iothub-errorcode"));
  const said = message ? `: ${message}` : "";
  const status = reply.status;
  const as = (kind: HubFailureKind, text: string, retry: Retryability = "no"): ClassifiedFailure => ({
    failure: { kind, status, message: text },
    retry,
  });
  if (status === 401)
    return as(
      "unauthorized",
      code === "IotHubUnauthorizedAccess"
        ? `The hub's policy does not allow this (HTTP 401${said}).`
        : `${hubHost} did not accept the connection string's key or policy name (HTTP 401${said}).`,
    );
  if (status === 403) return as("forbidden", `${hubHost} refused the call (HTTP 403${said}).`);
  if (status === 404) {
    if (code !== null && code !== "DeviceNotFound")
      return as("unreachable", `No IoT hub answers to ${hubHost} there (HTTP 404 ${code}${said}).`);
    return as("not-found", `No such identity in ${hubHost}${said ? said : "."}`);
  }
  if (status === 412)
    return as("precondition-failed", `The identity changed in ${hubHost} since it was read (HTTP 412).`);
  if (status === 429) return as("throttled", `${hubHost} is throttling requests (HTTP 429).`, "yes");
  if (status === 408 || status >= 500)
    return as(
      "server",
      `${hubHost} answered HTTP ${status}${said}.`,
      PERMANENT_5XX.has(status) ? "no" : "yes",
    );
  if (status >= 300 && status < 400)
    return as(
      "invalid-response",
      `${hubHost} answered with a redirect (HTTP ${status}), which is not followed.`,
    );
  return as("invalid-response", `${hubHost} answered HTTP ${status}${said}.`);
}

/** A request that got no HTTP answer: the hub is unreachable, for a moment or for good. */
export function failureFromHubNetworkError(hubHost: string, error: unknown): ClassifiedFailure {
  const coded = findCodedError(error);
  const detail = coded
    ? `${coded.code}: ${coded.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  const failure: HubFailure = {
    kind: "unreachable",
    status: null,
    message: `Could not reach ${hubHost} (${detail}).`,
  };
  if (!coded) return { failure, retry: "yes" };
  switch (classifyNetworkCode(coded.code)) {
    case "tls":
      return {
        failure: { ...failure, message: `${hubHost}'s certificate was not accepted (${detail}).` },
        retry: "no",
      };
    case "dns":
      // ENOTFOUND is a definite "no such name"; EAI_AGAIN is the resolver failing to answer.
      return { failure, retry: coded.code === "EAI_AGAIN" ? "few" : "no" };
    case "refused":
    case "no-route":
      return { failure, retry: "few" };
    default:
      return { failure, retry: "yes" };
  }
}
