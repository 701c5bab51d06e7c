import type { IotHubState } from "./hub-state";
import { isExpired, parseHubSas, sasPolicyName, sasResource, signedByOneOf } from "./sas";

/** MQTT 3.1.1 CONNACK return codes, and when IoT Hub answers each (docs/iot-hub-protocol.md). */
export const ConnackCodes = {
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

export type ConnectVerdict =
  | { ok: true; hub: string; deviceId: string; expiresAtMs: number }
  | { ok: false; code: number; reason: string };

/** What a device identifies itself with, from the MQTT user name `{hub}/{deviceId}/?api-version=…`. */
export function parseDeviceUsername(username: string): { hub: string; deviceId: string } | null {
  const parts = username.split("/");
  if (parts.length < 3) return null;
  const [hub, deviceId, rest] = parts;
  // A third path segment other than the query would be a module identity, which the emulator does not serve.
  if (!hub || !deviceId || parts.length !== 3 || !(rest!.startsWith("?") || rest!.startsWith("api-version=")))
    return null;
  return { hub, deviceId };
}

/**
 * The CONNECT checks, in the order IoT Hub makes them: the hub must be up and not throttling; the
 * user name and password must have the right shape; the identity must exist and the token must be
 * valid for it (else 5, not authorized); only an authenticated but disabled identity gets 3.
 */
export function judgeConnect(
  state: IotHubState,
  input: {
    clientId: string;
    username: string | undefined;
    password: Buffer | undefined;
    servername?: string;
  },
): ConnectVerdict {
  const refuse = (code: number, reason: string): ConnectVerdict => ({ ok: false, code, reason });
  const parsed = input.username === undefined ? null : parseDeviceUsername(input.username);
  if (parsed === null)
    return refuse(ConnackCodes.badUsernameOrPassword, "user name is not {hub}/{deviceId}/?api-version=…");
  const hub = state.findHub(parsed.hub);
  if (hub === undefined) return refuse(ConnackCodes.notAuthorized, `no hub ${parsed.hub} here`);
  if (
    input.servername &&
    state.findHub(input.servername) &&
    input.servername.toLowerCase() !== hub.toLowerCase()
  )
    return refuse(ConnackCodes.notAuthorized, `connected to ${input.servername} with a user name for ${hub}`);
  const switches = state.switches(hub);
  if (!switches.online) return refuse(ConnackCodes.serverUnavailable, `hub ${hub} is offline`);
  if (switches.throttled)
    return refuse(ConnackCodes.serverUnavailable, `hub ${hub} is throttling connections`);
  if (input.clientId !== parsed.deviceId)
    return refuse(ConnackCodes.identifierRejected, "client ID differs from the device ID in the user name");
  const token = parseHubSas(input.password?.toString("utf8"));
  if (token === null)
    return refuse(ConnackCodes.badUsernameOrPassword, "password is not a SharedAccessSignature");
  const identity = state.getIdentity(hub, parsed.deviceId);
  if (identity === undefined)
    return refuse(ConnackCodes.notAuthorized, `no identity ${parsed.deviceId} in ${hub}`);
  if (isExpired(token, state.now())) return refuse(ConnackCodes.notAuthorized, "token expired");
  const resource = sasResource(token)?.toLowerCase();
  const deviceResource = `${hub}/devices/${parsed.deviceId}`.toLowerCase();
  const policyName = sasPolicyName(token);
  let keys: string[];
  if (policyName === null) {
    if (resource !== deviceResource)
      return refuse(ConnackCodes.notAuthorized, "token is for another resource");
    keys = [identity.primaryKey, identity.secondaryKey];
  } else {
    // A hub-level policy with DeviceConnect may connect any device (the `device` policy).
    const policy = state.keys.policy(hub, policyName);
    if (policy === undefined || !policy.rights.includes("DeviceConnect"))
      return refuse(ConnackCodes.notAuthorized, `policy ${policyName} may not connect devices`);
    if (resource !== deviceResource && resource !== hub.toLowerCase())
      return refuse(ConnackCodes.notAuthorized, "token is for another resource");
    keys = [policy.primaryKey, policy.secondaryKey];
  }
  if (!signedByOneOf(token, keys))
    return refuse(ConnackCodes.notAuthorized, "signature does not match the key");
  if (identity.status !== "enabled") return refuse(ConnackCodes.serverUnavailable, "identity is disabled");
  return { ok: true, hub, deviceId: identity.deviceId, expiresAtMs: Number(token.se) * 1000 };
}
