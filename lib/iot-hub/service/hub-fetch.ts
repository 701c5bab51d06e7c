import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { Pool } from "undici";
import type { HttpFetch } from "@/lib/http/fetch-types";
import { undiciResponse } from "@/lib/http/undici-response";
import { HUB_HTTPS_PORT, resolveHubAddress, type HubAddressRule } from "../hub-addresses";

export type HubFetchOptions = {
  /** HIC_IOT_HUB_SERVICE_ADDRESSES: where a hub's service API is reached instead of `{hub}:443`. */
  rules: readonly HubAddressRule[];
  /** A CA trusted besides the public roots (HIC_IOT_HUB_CA_FILE's, a test emulator's). */
  caPem?: string;
};

/**
 * The HTTPS transport for hubs' service APIs. The URL names the hub (`https://{hub}/…`); the
 * connection goes to the address the rules give for it (or the hub itself on 443), with the hub's
 * name as TLS server name (its certificate must carry it) and as `Host`, so a private endpoint or
 * the local IoT Hub answers as the hub would. One keep-alive pool per hub and address; the TLS
 * context is built once. Redirects are never followed (undici's `request` follows none).
 */
export function createHubFetch(options: HubFetchOptions): HttpFetch {
  const secureContext: SecureContext | undefined = options.caPem
    ? createSecureContext({ ca: [...rootCertificates, options.caPem] })
    : undefined;
  const pools = new Map<string, Pool>();
  const poolFor = (hub: string): Pool => {
    const address = resolveHubAddress(hub, options.rules, HUB_HTTPS_PORT);
    const host = address.host.includes(":") ? `[${address.host}]` : address.host;
    const key = `${hub}@${host}:${address.port}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new Pool(`https://${host}:${address.port}`, {
        connections: 4,
        keepAliveTimeout: 30_000,
        connect: { servername: hub, ...(secureContext ? { secureContext } : {}) },
      });
      pools.set(key, pool);
    }
    return pool;
  };
  return async (url, init) => {
    const target = new URL(url);
    if (target.protocol !== "https:") throw new Error("Hub service calls go over HTTPS only.");
    const hub = target.hostname.toLowerCase();
    const response = await poolFor(hub).request({
      path: `${target.pathname}${target.search}`,
      method: (init.method ?? "GET") as "GET",
      headers: { ...init.headers, host: hub },
      body: init.body ?? null,
      signal: init.signal ?? null,
    });
    return undiciResponse(response);
  };
}

/** HIC_IOT_HUB_CA_FILE, read once. */
export function readHubCa(caFile: string | undefined): string | undefined {
  return caFile ? readFileSync(caFile, "utf8") : undefined;
}
