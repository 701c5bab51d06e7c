import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates } from "node:tls";
import { Agent, fetch as undiciFetch } from "undici";
import type { DpsFetch } from "@/lib/dps";

/**
 * A keep-alive fetch for DPS that also trusts `caPem` (the local emulator's CA, a TLS-inspecting
 * proxy). The TLS context is built once: passing `ca` per connection makes Node parse every root
 * certificate again for each new connection (~25 ms of blocked event loop each).
 */
export function fetchTrustingCa(caPem: string): DpsFetch {
  const secureContext = createSecureContext({ ca: [...rootCertificates, caPem] });
  const dispatcher = new Agent({ connect: { secureContext }, keepAliveTimeout: 30_000 });
  return (url, init) => undiciFetch(url, { ...init, dispatcher });
}

export function fetchTrustingCaFile(file: string): DpsFetch {
  return fetchTrustingCa(readFileSync(file, "utf8"));
}
