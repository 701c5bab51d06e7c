import { BlockList, isIP } from "node:net";
import { env } from "@/lib/env";

/**
 * The header in which the app's own HTTP server (scripts/web-server.mjs) passes each request's
 * socket address to the app, overwriting any copy a client sent. The marker on globalThis is set by
 * that server only, so under another server (`next dev`, a bare `next start`) the header is not
 * believed: a client could have written it.
 */
export const SOCKET_ADDRESS_HEADER = "x-hic-socket-address";
const SERVER_MARKER = Symbol.for("hic.socketAddressHeader");

function socketHeaderIsOurs(): boolean {
  return (globalThis as Record<symbol, unknown>)[SERVER_MARKER] === SOCKET_ADDRESS_HEADER;
}

/** An IP address in canonical text, from `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80` or `::ffff:1.2.3.4`; null if it is none. */
export function normalizeAddress(input: string | null | undefined): string | null {
  if (!input) return null;
  let text = input.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(":"));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (mapped) text = mapped[1]!;
  const zone = text.indexOf("%");
  if (zone > 0) text = text.slice(0, zone);
  return isIP(text) === 0 ? null : text;
}

let trusted: { key: string; list: BlockList } | null = null;

function trustedProxies(entries: string[]): BlockList {
  const key = entries.join(",");
  if (trusted?.key === key) return trusted.list;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split("/");
    const normalized = normalizeAddress(address)!;
    const type = isIP(normalized) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(normalized, type);
    else list.addSubnet(normalized, Number(bits), type);
  }
  trusted = { key, list };
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/**
 * The client's address: the socket's, unless the socket belongs to a proxy listed in
 * HIC_TRUSTED_PROXIES. Then X-Forwarded-For is walked from the right, skipping trusted hops, and
 * the first hop that is not trusted is the client (what the outermost trusted proxy saw). Entries
 * left of it were written by the client and are never believed. Null when the socket address is
 * unknown (the app is not running behind its own server).
 */
export function clientAddressFrom(headers: Headers): string | null {
  if (!socketHeaderIsOurs()) return null;
  const socket = normalizeAddress(headers.get(SOCKET_ADDRESS_HEADER));
  if (!socket) return null;
  const proxies = env().HIC_TRUSTED_PROXIES;
  if (proxies.length === 0) return socket;
  const list = trustedProxies(proxies);
  if (!isTrusted(list, socket)) return socket;
  const hops = (headers.get("x-forwarded-for") ?? "").split(",");
  let client = socket;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]);
    // A malformed entry cannot be the client's address; the last trusted hop is the best we know.
    if (!hop) break;
    client = hop;
    if (!isTrusted(list, hop)) break;
  }
  return client;
}
