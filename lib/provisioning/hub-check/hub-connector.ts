import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { deriveDeviceKey } from "@/lib/dps";
import { env } from "@/lib/env";
import { resolveHubAddress, runHubCheck, TlsSessionCache, type HubCheckResult } from "@/lib/iot-hub";
import type { DueCheck } from "./hub-check-sql";

export type GroupKeys = { primaryKey: string; secondaryKey: string | null };

/** The whole check, connect to disconnect: well past a healthy hub's tens of milliseconds. */
export const HUB_CHECK_TIMEOUT_MS = 10_000;
export const PLATFORM_NAME = "hyperscaler-integration-center";

/**
 * Connects as the device to the hub DPS assigned it: the address from HIC_IOT_HUB_ADDRESSES, the
 * trust from HIC_IOT_HUB_CA_FILE (hub connections only), TLS sessions resumed per hub address.
 * Built once per process; the TLS context once, not per connection.
 */
export class HubConnector {
  private readonly sessions = new TlsSessionCache();
  private readonly secureContext: SecureContext | undefined;

  constructor(private readonly config = env()) {
    const caFile = config.HIC_IOT_HUB_CA_FILE;
    this.secureContext = caFile
      ? createSecureContext({ ca: [...rootCertificates, readFileSync(caFile, "utf8")] })
      : undefined;
  }

  async check(due: DueCheck, keys: GroupKeys, signal?: AbortSignal): Promise<HubCheckResult> {
    const once = (groupKey: string) =>
      runHubCheck({
        hubHost: due.hub,
        deviceId: due.hubDeviceId,
        // DPS put the key derived from the group key the device registered with into the hub identity.
        deviceKey: deriveDeviceKey(groupKey, due.registrationId),
        address: resolveHubAddress(due.hub, this.config.HIC_IOT_HUB_ADDRESSES),
        ...(this.secureContext ? { secureContext: this.secureContext } : {}),
        reported: {
          provisioning: {
            by: PLATFORM_NAME,
            assignedAt: (due.assignedAt ?? new Date()).toISOString(),
            registrationId: due.registrationId,
          },
        },
        timeoutMs: HUB_CHECK_TIMEOUT_MS,
        sessions: this.sessions,
        enforceHostPolicy: true,
        ...(signal ? { signal } : {}),
      });
    const result = await once(keys.primaryKey);
    // A device registered with the secondary group key holds the key derived from that one.
    if (
      result.kind === "refused" &&
      result.stage === "connect" &&
      (result.code === 4 || result.code === 5) &&
      keys.secondaryKey
    )
      return once(keys.secondaryKey);
    return result;
  }
}
