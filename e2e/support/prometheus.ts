import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pickPort } from "@/ops/postgres/free-port";

/**
 * Debian's Prometheus (`apt-get install prometheus`) scraping the app the way README "Operating"
 * configures it: job `hic` for every process's /metrics, job `hic-fleet` for one target's
 * /metrics/fleet, both with the bearer token from a file. A 1 s scrape interval keeps tests short.
 */
export const prometheusInstalled = spawnSync("prometheus", ["--version"]).status === 0;

export type Series = { metric: Record<string, string>; value: [number, string] };
export type RangeSeries = { metric: Record<string, string>; values: [number, string][] };

export type Prometheus = {
  url: string;
  /** An instant query; the series it returns. */
  query: (expr: string) => Promise<Series[]>;
  /** The first series' value of an instant query, or null when it returns none. */
  scalar: (expr: string) => Promise<number | null>;
  /** A range query over [start, end] (Unix seconds), one point per `step` seconds. */
  queryRange: (expr: string, start: number, end: number, step?: number) => Promise<RangeSeries[]>;
  stop: () => Promise<void>;
};

async function ask<T>(url: URL): Promise<T> {
  const body = (await (await fetch(url)).json()) as { status: string; error?: string; data: { result: T } };
  if (body.status !== "success") throw new Error(`Prometheus refused ${url.search}: ${body.error}`);
  return body.data.result;
}

export async function startPrometheus(options: {
  dir: string;
  token: string;
  targets: string[];
  fleetTarget: string;
}): Promise<Prometheus> {
  const tokenFile = path.join(options.dir, "token");
  writeFileSync(tokenFile, options.token, { mode: 0o600 });
  const list = (targets: string[]) => targets.map((t) => `"${t}"`).join(", ");
  writeFileSync(
    path.join(options.dir, "prometheus.yml"),
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      "scrape_configs:",
      "  - job_name: hic",
      `    authorization: { credentials_file: ${tokenFile} }`,
      `    static_configs: [{ targets: [${list(options.targets)}] }]`,
      "  - job_name: hic-fleet",
      "    metrics_path: /metrics/fleet",
      `    authorization: { credentials_file: ${tokenFile} }`,
      `    static_configs: [{ targets: [${list([options.fleetTarget])}] }]`,
      "",
    ].join("\n"),
  );
  const port = await pickPort(0);
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${path.join(options.dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(options.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: "ignore", detached: true },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await fetch(`${url}/-/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`Prometheus did not start (exit code ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const query = (expr: string) => {
    const u = new URL("/api/v1/query", url);
    u.searchParams.set("query", expr);
    return ask<Series[]>(u);
  };
  return {
    url,
    query,
    scalar: async (expr) => {
      const result = await query(expr);
      return result.length === 0 ? null : Number(result[0]!.value[1]);
    },
    queryRange: (expr, start, end, step = 1) => {
      const u = new URL("/api/v1/query_range", url);
      u.search = new URLSearchParams({
        query: expr,
        start: String(start),
        end: String(end),
        step: String(step),
      }).toString();
      return ask<RangeSeries[]>(u);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, "SIGTERM");
      await once(child, "exit");
    },
  };
}
