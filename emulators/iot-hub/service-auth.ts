import type { IncomingMessage } from "node:http";

import type { IotHubState } from "./hub-state";
import type { HubRight } from "./policies";
import { isExpired, parseHubSas, sasPolicyName, sasResource, signedByOneOf } from "./sas";
import { HubErrors, hubErrorBody, type HubError } from "./wire";

/*
 * Who may call the local IoT Hub's service API: a hub-level SAS token checked as IoT Hub checks it,
 * and the shared access policy's rights; refusals in IoT Hub's error format.
 */

/** `drop`: end the connection without an answer (an unreachable hub). */
export type ServiceAnswer = {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  drop?: boolean;
};

export function fail(state: IotHubState, error: HubError, message: string): ServiceAnswer {
  return {
    status: error.status,
    body: hubErrorBody(error, message, state.now()),
    headers: { "iothub-errorcode": error.name },
  };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): ServiceAnswer {
  return { status, body: JSON.stringify(value), headers };
}

/** Which hub a request is for: its Host header, or else the hub its token was signed for. */
function hubOf(
  state: IotHubState,
  request: IncomingMessage,
  tokenResource: string | null,
): string | undefined {
  const host = (request.headers.host ?? "").replace(/:\d+$/, "");
  return state.findHub(host) ?? (tokenResource ? state.findHub(tokenResource.split("/")[0]!) : undefined);
}

export type Authorized =
  | { ok: true; hub: string; rights: readonly HubRight[]; policy: string }
  | { ok: false; answer: ServiceAnswer };

/** A hub-level SAS token (`sr` = the hub, `skn` = a shared access policy) checked like IoT Hub does. */
export function authorize(state: IotHubState, request: IncomingMessage): Authorized {
  const token = parseHubSas(request.headers.authorization);
  const resource = token ? sasResource(token) : null;
  const hub = hubOf(state, request, resource);
  if (hub === undefined)
    return {
      ok: false,
      answer: fail(state, HubErrors.hubNotFound, "IoT hub not found (Host header names no emulated hub)"),
    };
  if (token === null)
    return {
      ok: false,
      answer: fail(
        state,
        HubErrors.unauthorized,
        "Authorization header missing or not a SharedAccessSignature",
      ),
    };
  const policyName = sasPolicyName(token);
  const policy = policyName === null ? undefined : state.keys.policy(hub, policyName);
  if (policy === undefined)
    return {
      ok: false,
      answer: fail(state, HubErrors.tokenInvalid, `No shared access policy '${policyName ?? ""}' in ${hub}`),
    };
  const scope = (resource ?? "").toLowerCase();
  if (scope !== hub.toLowerCase() && !scope.startsWith(`${hub.toLowerCase()}/`))
    return {
      ok: false,
      answer: fail(state, HubErrors.tokenInvalid, `The token is for ${resource}, not ${hub}`),
    };
  if (isExpired(token, state.now()))
    return {
      ok: false,
      answer: fail(state, HubErrors.tokenInvalid, "The SharedAccessSignature has expired"),
    };
  if (!signedByOneOf(token, [policy.primaryKey, policy.secondaryKey]))
    return {
      ok: false,
      answer: fail(
        state,
        HubErrors.tokenInvalid,
        "The SharedAccessSignature's signature does not match the policy's keys",
      ),
    };
  return { ok: true, hub, rights: policy.rights, policy: policy.name };
}

export function requireRight(
  state: IotHubState,
  auth: { rights: readonly HubRight[]; policy: string },
  ...anyOf: HubRight[]
): ServiceAnswer | null {
  if (anyOf.some((right) => auth.rights.includes(right))) return null;
  return fail(
    state,
    HubErrors.unauthorized,
    `Authorization rule '${auth.policy}' does not allow access for '${anyOf.join("' or '")}'`,
  );
}
