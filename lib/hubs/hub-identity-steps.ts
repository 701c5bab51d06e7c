import type { HubRegistryClient, HubRights, HubServiceConnection } from "@/lib/iot-hub/service";

/**
 * Deleting or disabling a device's identity in its IoT hub with the hub's saved credentials, as
 * removals and old-hub cleanups do it. Idempotent: a 404 is "already gone". Messages name the hub
 * and the policy, never a key.
 */

export type HubAccess = { connection: HubServiceConnection; rights: HubRights | null };

/** How the app reaches a hub's registry (hub-credentials-store's loadHubConnection, or a test's). */
export type LoadHubAccess = (hubHost: string) => Promise<HubAccess | null>;

export type HubWriteAccess = { ok: true; access: HubAccess } | { ok: false; reason: string };

/** Whether the app may write this hub's registry: credentials saved, and not known to lack the right. */
export async function hubWriteAccess(load: LoadHubAccess, hub: string): Promise<HubWriteAccess> {
  let access: HubAccess | null;
  try {
    access = await load(hub);
  } catch {
    return {
      ok: false,
      reason: `the saved credentials for ${hub} cannot be decrypted (saved under another HIC_SECRET_KEY): an administrator must save them again`,
    };
  }
  if (access === null) return { ok: false, reason: `no hub credentials are saved for ${hub}` };
  const refused = writeRefusal(hub, access.connection.policyName, access.rights);
  return refused ? { ok: false, reason: refused } : { ok: true, access };
}

/** Why a policy cannot write, from its probed rights; null when it may (or was not probed yet: the call tells). */
export function writeRefusal(hub: string, policyName: string, rights: HubRights | null): string | null {
  if (rights && !rights.registryWrite)
    return `the policy "${policyName}" saved for ${hub} may only read its registry (it lacks registryWrite)`;
  return null;
}

export type HubStepResult =
  | { ok: true; outcome: "done" | "already-gone" }
  | { ok: false; reason: string; status: number | null; transient: boolean };

export async function deleteIdentity(
  client: HubRegistryClient,
  access: HubAccess,
  hub: string,
  hubDeviceId: string,
  signal?: AbortSignal,
): Promise<HubStepResult> {
  const result = await client.deleteIdentity(access.connection, hubDeviceId, null, signal);
  if (result.ok) return { ok: true, outcome: "done" };
  if (result.failure.kind === "not-found") return { ok: true, outcome: "already-gone" };
  return failed(hub, result.failure);
}

export async function disableIdentity(
  client: HubRegistryClient,
  access: HubAccess,
  hub: string,
  hubDeviceId: string,
  statusReason: string,
  signal?: AbortSignal,
): Promise<HubStepResult> {
  const result = await client.setIdentityStatus(
    access.connection,
    hubDeviceId,
    "disabled",
    statusReason,
    null,
    signal,
  );
  if (result.ok) return { ok: true, outcome: "done" };
  if (result.failure.kind === "not-found") return { ok: true, outcome: "already-gone" };
  return failed(hub, result.failure);
}

const TRANSIENT = new Set(["throttled", "unreachable", "server", "precondition-failed"]);

function failed(
  hub: string,
  failure: { kind: string; status: number | null; message: string },
): HubStepResult {
  return {
    ok: false,
    reason: describeFailure(hub, failure),
    status: failure.status,
    transient: TRANSIENT.has(failure.kind),
  };
}

/** IoT Hub keeps a status reason of at most 128 characters. */
const STATUS_REASON_MAX = 128;

/** Who blocked the device and when; no secret, short enough for the hub. */
export function blockedStatusReason(actorEmail: string | null, at: Date): string {
  const when = at.toISOString().replace(/\.\d{3}Z$/, "Z");
  const who = actorEmail ?? "the platform";
  const reason = `Blocked by ${who} at ${when} (Hyperscaler Integration Center)`;
  if (reason.length <= STATUS_REASON_MAX) return reason;
  return `Blocked by ${who.slice(0, STATUS_REASON_MAX - 40)}… at ${when}`.slice(0, STATUS_REASON_MAX);
}

function describeFailure(
  hub: string,
  failure: { kind: string; status: number | null; message: string },
): string {
  switch (failure.kind) {
    case "unauthorized":
      return `${hub} refused the saved credentials (401): save a current connection string for it`;
    case "forbidden":
      return `the policy saved for ${hub} may not write its registry (403)`;
    case "throttled":
      return `${hub} is throttling (429): retry in a minute`;
    case "unreachable":
      return `${hub} did not answer: retry when it is reachable`;
    case "not-allowed-host":
      return `${hub} is not a hub the app may connect to`;
    case "precondition-failed":
      return `the identity in ${hub} changed meanwhile (412): retry`;
    default:
      return `${hub} answered ${failure.status ?? "with an error"}: ${failure.message}`.slice(0, 300);
  }
}
