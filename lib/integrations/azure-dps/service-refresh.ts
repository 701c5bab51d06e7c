import type { DpsServiceClient } from "@/lib/dps/service/client";
import { loadDpsServiceCredentials } from "./credentials";
import { claimServiceRefresh, recordServiceCheckRow } from "./integration-store";
import { checkServiceConnection, serviceCheckColumns } from "./service-check";

/** How old the group at a glance may get before a worker reads it again. */
export const SERVICE_REFRESH_SECONDS = 300;

/**
 * The periodic refresh of the policy's rights and the group at a glance, for workers (no user, no
 * permission check): whichever process claims the turn asks DPS, the others skip. True when it ran.
 */
export async function refreshServiceCheckIfDue(
  client: DpsServiceClient,
  maxAgeSeconds = SERVICE_REFRESH_SECONDS,
  signal?: AbortSignal,
): Promise<boolean> {
  const version = await claimServiceRefresh(maxAgeSeconds);
  if (version === null) return false;
  const credentials = await loadDpsServiceCredentials();
  if (credentials === null || credentials.version !== version) return false;
  const check = await checkServiceConnection(
    client,
    {
      connection: credentials.connection,
      groupKeys: credentials.groupKeys,
      enteredGroupId: credentials.enrollmentGroupSource === "entered" ? credentials.enrollmentGroupId : null,
    },
    signal,
  );
  await recordServiceCheckRow(version, serviceCheckColumns(check, new Date()));
  return true;
}
