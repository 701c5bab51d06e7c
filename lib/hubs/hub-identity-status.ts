import "server-only";
import { hubRegistryClient } from "@/lib/iot-hub/service";
import type { HubIdentityStatus } from "@/lib/provisioning/domains";
import { loadHubConnection } from "./hub-credentials-store";

/**
 * One identity's state in its hub's registry, for the hub check (through the engine's domains):
 * read with the hub's saved service credentials, and only when they may read the registry (rights
 * not probed yet are tried). Throws only when the saved key cannot be decrypted.
 */
export async function readHubIdentityStatus(
  hubHost: string,
  deviceId: string,
  signal?: AbortSignal,
): Promise<HubIdentityStatus> {
  const saved = await loadHubConnection(hubHost);
  if (!saved) return { kind: "unknown", reason: "no service credentials are saved for this hub" };
  if (saved.rights && !saved.rights.registryRead)
    return { kind: "unknown", reason: "the hub's saved policy cannot read the registry" };
  const read = await hubRegistryClient().getIdentity(saved.connection, deviceId, signal);
  if (read.ok)
    return read.value.status === "disabled"
      ? { kind: "disabled", statusReason: read.value.statusReason }
      : { kind: "enabled" };
  if (read.failure.kind === "not-found") return { kind: "missing" };
  return { kind: "unknown", reason: read.failure.message };
}
