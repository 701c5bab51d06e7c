import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { env } from "@/lib/env";
import { getDb } from "@/lib/database";
import { metrics } from "./metrics";
import { createFleetRegistry } from "./fleet-metrics";
import { parseMetricsAddress } from "./metrics-address";

/**
 * The Prometheus endpoint of one process (web server or worker), on an address of its own
 * (HIC_METRICS_ADDRESS; off when unset), never on the app's port: the app's port faces users, this
 * one faces the monitoring system. `/metrics` is this process's own counters; `/metrics/fleet` the
 * database's counts, which one scrape target per fleet reads (README "Operating"). With
 * HIC_METRICS_TOKEN set, every request needs `Authorization: Bearer <token>`; lib/env.ts refuses an
 * address other than loopback without one.
 */

export type MetricsServer = { url: string; close: () => Promise<void> };

export type MetricsServerOptions = {
  host: string;
  port: number;
  token: string | null;
  registry?: Registry;
  fleet?: Registry;
};

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Constant-time comparison of the presented bearer token. */
function authorized(header: string | undefined, token: string | null): boolean {
  if (token === null) return true;
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return Boolean(match) && timingSafeEqual(digest(match![1]!.trim()), digest(token));
}

export async function listenForMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const registry = options.registry ?? metrics().registry;
  const fleet = options.fleet ?? createFleetRegistry(() => getDb().$client);
  const server = http.createServer((req, res) => {
    void answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
        res.end(`metrics unavailable: ${error instanceof Error ? error.message : "error"}\n`);
      } else res.destroy();
    });
  });

  async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!authorized(req.headers.authorization, options.token)) {
      res.writeHead(401, { "www-authenticate": 'Bearer realm="metrics"', "content-type": "text/plain" });
      res.end("a bearer token is required (HIC_METRICS_TOKEN)\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      res.end("method not allowed\n");
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    const source = path === "/metrics" ? registry : path === "/metrics/fleet" ? fleet : null;
    if (!source) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end(
        "not found: /metrics (this process) or /metrics/fleet (the database's counts, one target per fleet)\n",
      );
      return;
    }
    const body = await source.metrics();
    res.writeHead(200, { "content-type": source.contentType, "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const KEY = Symbol.for("hic.metricsServer");

/**
 * Starts this process's endpoint when HIC_METRICS_ADDRESS is set (once per process, whoever asks
 * first: instrumentation.ts, or the worker command). Logs where it listens; a taken port is a
 * start-up error, as a taken app port is.
 */
export async function startMetricsServer(log: (line: string) => void): Promise<MetricsServer | null> {
  const { HIC_METRICS_ADDRESS: address, HIC_METRICS_TOKEN: token } = env();
  if (!address) return null;
  const holder = globalThis as unknown as Record<symbol, Promise<MetricsServer> | undefined>;
  const existing = holder[KEY];
  if (existing) return existing;
  const { host, port } = parseMetricsAddress(address)!;
  const started = listenForMetrics({ host, port, token: token ?? null });
  holder[KEY] = started;
  const server = await started;
  log(`metrics on ${server.url}/metrics${token ? " (bearer token required)" : " (loopback only)"}`);
  return server;
}
