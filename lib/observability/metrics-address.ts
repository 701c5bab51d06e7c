import { isIP } from "node:net";

/**
 * HIC_METRICS_ADDRESS: `host:port` (`[::1]:9464` for IPv6). Pure, so lib/env.ts validates with it
 * without loading the metrics server.
 */
export function parseMetricsAddress(text: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/i.exec(text.trim());
  if (!match) return null;
  const host = (match[1] ?? match[2])!.toLowerCase();
  const port = Number(match[3]);
  if (port > 65_535) return null;
  if (match[1] !== undefined && isIP(host) !== 6) return null;
  return { host, port };
}

/** Only a loopback address may serve metrics without a token (nothing else on the network reaches it). */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}
