import { createSecureContext, rootCertificates } from "node:tls";
import { Agent, request } from "undici";
import type { DpsFetch, DpsFetchResponse } from "./http";

type HeaderValue = string | string[] | undefined;

function headerReader(headers: Record<string, HeaderValue>): DpsFetchResponse["headers"] {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

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
 * `caPem` adds one trusted CA (the local emulator's) to the public roots; the TLS context is built
 * once, because passing `ca` per connection makes Node parse every root certificate again for each
 * new connection. Without it, the default roots apply (NODE_EXTRA_CA_CERTS included).
 */
export function createDpsFetch(options: { caPem?: string } = {}): DpsFetch {
  const connect = options.caPem ? { secureContext: createSecureContext({ ca: [...rootCertificates, options.caPem] }) } : undefined;
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, ...(connect ? { connect } : {}) });
  return async (url, init) => {
    const response = await request(url, {
      dispatcher,
      method: (init.method ?? "GET") as "GET",
      headers: init.headers,
      body: init.body ?? null,
      signal: init.signal ?? null,
    });
    return {
      status: response.statusCode,
      headers: headerReader(response.headers),
      text: () => response.body.text(),
    };
  };
}
