/**
 * An IoT hub's service REST API (the identity registry), as lib/dps/service is DPS's: pure
 * protocol, no database, no domain. `hubRegistryClient()` is the app's, wired to the settings
 * (HIC_IOT_HUB_SERVICE_ADDRESSES, HIC_IOT_HUB_CA_FILE, the outbound hub host policy); tests build
 * their own with `createHubRegistryClient`.
 */
import { env } from "@/lib/env";
import { hubHostRefusal } from "@/lib/security/hub-host-policy";
import { createHubFetch, readHubCa } from "./hub-fetch";
import { createHubRegistryClient, type HubRegistryClient } from "./registry-client";

export {
  parseHubConnectionString,
  type HubServiceConnection,
  type ParsedHubConnection,
} from "./connection-string";
export {
  createHubRegistryClient,
  DEFAULT_HUB_RETRY_POLICY,
  DEFAULT_QUERY_PAGE_SIZE,
  MAX_QUERY_PAGE_SIZE,
  type HubIdentityPage,
  type HubRegistryClient,
  type HubRegistryClientOptions,
  type HubRetryPolicy,
  type HubRights,
} from "./registry-client";
export type { HubFailure, HubFailureKind, HubServiceResult } from "./failures";
export type { HubIdentity } from "./wire";
export { createHubFetch, type HubFetchOptions } from "./hub-fetch";

let app: HubRegistryClient | null = null;

/** The app's client: one per process, so its connection pools are shared. */
export function hubRegistryClient(): HubRegistryClient {
  if (!app) {
    const settings = env();
    const caPem = readHubCa(settings.HIC_IOT_HUB_CA_FILE);
    app = createHubRegistryClient({
      fetch: createHubFetch({ rules: settings.HIC_IOT_HUB_SERVICE_ADDRESSES, ...(caPem ? { caPem } : {}) }),
      hostRefusal: (hub) => hubHostRefusal(hub, settings, "service"),
    });
  }
  return app;
}
