import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates } from "node:tls";
import { Agent, request } from "undici";
import { env } from "@/lib/env";
import { assertDpsUrlAllowed } from "@/lib/security/dps-host-policy";
import { undiciResponse } from "@/lib/http/undici-response";
import type { DpsFetch } from "./http";

/**
 * The one fetch for talking HTTPS to DPS (or the local emulator, or its admin API) that can trust
 * an extra CA: the engine, the worker command, tests and benchmarks all build theirs here.
 *
 * It is undici's `request` on one keep-alive agent. It does what
 * the client needs of `fetch` (method, headers, body, signal, no redirects followed, the status,
 * headers and text of the answer) at a fraction of WHATWG fetch's CPU per request, which matters
 * when a worker sends thousands of requests a minute on the machine that also runs the database.
 * Network failures surface as undici's own errors (ECONNREFUSED, UND_ERR_SOCKET, certificate
 * codes), which lib/dps/errors.ts classifies like fetch's wrapped ones.
 *
 * `caPem` adds one trusted CA to the public roots (a test emulator's, or HIC_DPS_CA_FILE's); the TLS
 * context is built once, because passing `ca` per connection makes Node parse every root
 * certificate again for each new connection. Without it, the default roots apply
 * (NODE_EXTRA_CA_CERTS included). The launcher's emulator is reached through an agent of its own
 * that trusts its CA alone (HIC_DPS_EMULATOR_HOST, HIC_DPS_EMULATOR_CA_FILE), and
 * `enforceHostPolicy` refuses any host outside the outbound policy before a request leaves
 * (docs/dps-protocol.md §7).
 */
export function createDpsFetch(options: { caPem?: string; enforceHostPolicy?: boolean } = {}): DpsFetch {
  const connect = options.caPem
    ? { secureContext: createSecureContext({ ca: [...rootCertificates, options.caPem] }) }
    : undefined;
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, ...(connect ? { connect } : {}) });
  const emulator = localEmulatorDispatcher();
  return async (url, init) => {
    // Defence in depth: the hostname was checked when it was saved; check again before a SAS token leaves.
    if (options.enforceHostPolicy) assertDpsUrlAllowed(url);
    const response = await request(url, {
      dispatcher: emulator?.serves(url) ? emulator.dispatcher : dispatcher,
      method: (init.method ?? "GET") as "GET",
      headers: init.headers,
      body: init.body ?? null,
      signal: init.signal ?? null,
    });
    return undiciResponse(response);
  };
}

/**
 * The local emulator's CA is trusted for connections to the emulator only (the host:port the
 * launcher passes in HIC_DPS_EMULATOR_HOST), never for anything else this process connects to.
 */
function localEmulatorDispatcher(): { serves: (url: string) => boolean; dispatcher: Agent } | null {
  const { HIC_DPS_EMULATOR_HOST: dpsEmulatorHost, HIC_DPS_EMULATOR_CA_FILE: dpsEmulatorCaFile } = env();
  if (!dpsEmulatorHost || !dpsEmulatorCaFile) return null;
  const port = dpsEmulatorHost.slice(dpsEmulatorHost.lastIndexOf(":") + 1);
  const hosts = new Set([dpsEmulatorHost, `localhost:${port}`, `127.0.0.1:${port}`]);
  const dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    connect: { secureContext: createSecureContext({ ca: readFileSync(dpsEmulatorCaFile, "utf8") }) },
  });
  return {
    serves: (url) => {
      try {
        return hosts.has(new URL(url).host);
      } catch {
        return false;
      }
    },
    dispatcher,
  };
}
