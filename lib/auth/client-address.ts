import { BlockList, isIP } from "node:net";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";

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

export type UntrustedForwarding = { socket: string; firstSeenAt: string };
const UNTRUSTED_KEY = Symbol.for("hic.untrustedForwarding");

/**
 * A request carried X-Forwarded-For from a socket not in HIC_TRUSTED_PROXIES. Behind a proxy the
 * operator forgot to list, every client shares the proxy's address (one throttle count for all);
 * without a proxy a client is trying to pass for another. Said once per process, in the log and
 * on the Users page for administrators.
 */
function noteUntrustedForwarding(socket: string): void {
  const store = globalThis as Record<symbol, UntrustedForwarding | undefined>;
  if (store[UNTRUSTED_KEY]) return;
  store[UNTRUSTED_KEY] = { socket, firstSeenAt: new Date().toISOString() };
  logger.warn(
    { socket },
    `requests arrive with X-Forwarded-For from ${socket}, which is not in HIC_TRUSTED_PROXIES: the header is ignored and this socket's address is taken as the client's. If ${socket} is your reverse proxy, add it to HIC_TRUSTED_PROXIES, or every client behind it shares one sign-in throttle count.`,
  );
}

/** The first untrusted X-Forwarded-For this process saw, if any (for the administrators' notice). */
export function untrustedForwardingSeen(): UntrustedForwarding | null {
  return (globalThis as Record<symbol, UntrustedForwarding | undefined>)[UNTRUSTED_KEY] ?? null;
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
  const forwarded = headers.has("x-forwarded-for");
  const list = proxies.length === 0 ? null : trustedProxies(proxies);
  if (!list || !isTrusted(list, socket)) {
    if (forwarded) noteUntrustedForwarding(socket);
    return socket;
  }
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
