import { createSecureContext, rootCertificates } from "node:tls";
import { Agent, fetch as undiciFetch, type Response } from "undici";
import type { DpsFetchInit } from "./http";

/**
 * A fetch that trusts `caPem` in addition to the public roots, for tests and the local DPS
 * emulator. Production code keeps the global fetch; a private CA goes in NODE_EXTRA_CA_CERTS.
 */
export function createFetchWithCa(caPem: string): (url: string, init?: DpsFetchInit) => Promise<Response> {
  // One TLS context for every connection: a `ca` list per connection makes Node parse all the roots again each time.
  const dispatcher = new Agent({ connect: { secureContext: createSecureContext({ ca: [...rootCertificates, caPem] }) } });
  return (url, init = {}) => undiciFetch(url, { ...init, dispatcher });
}
