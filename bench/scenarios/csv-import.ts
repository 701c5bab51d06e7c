import { readFileSync, createWriteStream, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { request as httpRequest, type ClientRequest } from "node:http";
import path from "node:path";
import { once } from "node:events";
import pg from "pg";
import { startNextServer, type RunningApp } from "@/ops/launcher/next-server";
import { pickPort } from "@/ops/postgres/free-port";
import { hashPassword } from "@/lib/auth/password";
import { signInOverHttp } from "../support/sign-in";
import type { BenchResult } from "../support/result";
import { percentile, round } from "../support/stats";
import { treeCpuSeconds } from "../support/process-cpu";
import { startObserver } from "../support/observer";

/** Lines from `line(i)`, streamed to `file`. */
async function writeLines(file: string, header: string | null, rows: number, line: (i: number) => string) {
  const out = createWriteStream(file);
  if (header) out.write(`${header}\n`);
  for (let i = 0; i < rows; i++) if (!out.write(`${line(i)}\n`)) await once(out, "drain");
  out.end();
  await once(out, "finish");
}

/** The resident set size of a process, from /proc (Linux), in MB. */
function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The 1-minute load average, from /proc (Linux). */
function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ")[0]!;
}

/**
 * What other users see while something runs: `/api/health` every 100 ms and the devices page (as
 * support) every second, from a process of their own (bench/support/observer-child.ts), plus the
 * web server's RSS every 50 ms.
 */
async function watch(app: RunningApp, supportCookie: string) {
  let peakRss = rssMb(app.child.pid!);
  const cpuAtStart = treeCpuSeconds(app.child.pid!);
  const loadAtStart = loadAverage();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(app.child.pid!))), 50);
  const observer = await startObserver({ url: app.url, cookie: supportCookie, pagePath: "/devices" });
  return async () => {
    const { health, page, failures } = await observer.stop();
    clearInterval(sampler);
    return {
      "health p99 ms": Math.round(percentile(health, 99)),
      "health max ms": Math.round(Math.max(0, ...health)),
      "devices page p50 ms": Math.round(percentile(page, 50)),
      "devices page max ms": Math.round(Math.max(0, ...page)),
      "failed requests": failures,
      "web server peak RSS MB": Math.round(peakRss),
      "web server CPU s": round(treeCpuSeconds(app.child.pid!) - cpuAtStart),
      // The machine may be shared: how much of it the figures had.
      "load average (start → end)": `${loadAtStart} → ${loadAverage()}`,
    };
  };
}

type ImportReply = {
  ok: boolean;
  message?: string;
  summary?: { importId: number; added: number; refused: number; total: number; status: string };
};

async function upload(app: RunningApp, cookie: string, body: Buffer) {
  const started = performance.now();
  const response = await fetch(`${app.url}/api/devices/import`, {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "text/csv", "X-File-Name": "bench.csv" },
    body: new Uint8Array(body),
  });
  const json = (await response.json()) as ImportReply;
  return { status: response.status, json, seconds: (performance.now() - started) / 1000 };
}

/**
 * The CSV import on the user's path: a signed-in operator uploads files to the running app
 * (`POST /api/devices/import`, the Import CSV dialog's request), while a support user loads the
 * devices page and a monitor polls `/api/health`. Four cases: a million good rows; a million lines
 * all refused (then the report downloaded); a 4 MB file whose second line opens a quote that never
 * closes; twelve uploads that send a little and then hang.
 */
export async function csvImportScenario(options: {
  databaseUrl: string;
  rows: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<BenchResult[]> {
  const good = path.join(options.workDir, "devices.csv");
  await writeLines(
    good,
    "registrationId,name,payload",
    options.rows,
    (i) => `dev-${String(i).padStart(7, "0")},,${i % 10 === 0 ? '"{""site"":""berlin""}"' : ""}`,
  );
  const refused = path.join(options.workDir, "refused.csv");
  // Wrong column: a tired operator's export of something else, one short bad ID per line.
  await writeLines(refused, null, options.rows, () => "?");
  const quote = Buffer.from(`registrationId,name,payload\nq-1,"never closed\n${"q-2,,\n".repeat(700_000)}`);

  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const password = "bench-operator-password";
  const hash = await hashPassword(password);
  await client.query(
    "insert into users (email, password_hash, role) values ($1, $3, 'operator'), ($2, $3, 'support')",
    ["operator@bench.local", "support@bench.local", hash],
  );
  const idleMs = 10_000;
  const secrets = {
    AUTH_SECRET: randomBytes(32).toString("base64"),
    HIC_SECRET_KEY: randomBytes(32).toString("base64"),
  };
  // Each case gets a fresh web server, so its memory figure is its own (V8 keeps the heap it grew).
  const start = async () =>
    startNextServer({
      root: process.cwd(),
      host: "127.0.0.1",
      port: await pickPort(0),
      env: {
        ...process.env,
        ...secrets,
        DATABASE_URL: options.databaseUrl,
        HIC_WORKER: "off",
        HIC_IMPORT_IDLE_MS: String(idleMs),
        LOG_LEVEL: "warn",
      },
    });
  let app = await start();
  const results: BenchResult[] = [];
  try {
    const operator = await signInOverHttp(app.url, "operator@bench.local", password);
    const support = await signInOverHttp(app.url, "support@bench.local", password);
    // The sessions stay valid: every web server signs them with the same AUTH_SECRET.
    // A fresh server loads each route's code on its first request (a cold start that takes a few
    // hundred milliseconds); the server a user imports into has served these pages before.
    const warmUp = async () => {
      for (const [path, cookie] of [
        ["/api/health", null],
        ["/devices", support],
      ] as const)
        await (await fetch(`${app.url}${path}`, { headers: cookie ? { Cookie: cookie } : {} })).text();
    };
    const restart = async () => {
      await app.stop();
      app = await start();
      await warmUp();
    };
    await warmUp();
    const pid = app.child.pid!;
    const idleRss = Math.round(rssMb(pid));
    const rowsText = options.rows.toLocaleString("en");
    const path_ =
      "signed-in operator, POST /api/devices/import of the running app (next start), provisioning worker off; meanwhile, from a process of their own, a support user loads /devices every second and /api/health is polled every 100 ms (each requested once before, on a fresh web server); RSS of the web server from /proc every 50 ms";

    // 1. A million good rows.
    options.log(`CSV import: ${rowsText} rows (${round(statSync(good).size / 2 ** 20)} MiB)…`);
    // Read before the observers start: the benchmark's own work is not the server's.
    const goodBody = readFileSync(good);
    let stop = await watch(app, support);
    const imported = await upload(app, operator, goodBody);
    let seen = await stop();
    const { rows } = await client.query<{ n: string }>("select count(*) as n from devices");
    const inDatabase = Number(rows[0]!.n);
    if (!imported.json.ok || !imported.json.summary)
      throw new Error(
        `the import answered HTTP ${imported.status}: ${imported.json.message ?? "no summary"}`,
      );
    results.push({
      scenario: "CSV import over HTTP",
      setup: `${rowsText} rows (${round(statSync(good).size / 2 ** 20)} MiB, registrationId,name,payload), empty table; ${path_}`,
      metrics: {
        seconds: round(imported.seconds),
        "rows/s": Math.round(imported.json.summary.added / imported.seconds),
        added: imported.json.summary.added,
        "devices in the database": inDatabase,
        "web server idle RSS MB": idleRss,
        ...seen,
      },
      target: "all added, <= 30 s, web server peak RSS <= 300 MB, health p99 <= 200 ms",
      met:
        imported.json.summary.added === options.rows &&
        inDatabase === options.rows &&
        imported.seconds <= 30 &&
        seen["web server peak RSS MB"] <= 300 &&
        seen["health p99 ms"] <= 200,
    });

    // 2. A million lines, all refused, then its report downloaded.
    await restart();
    options.log(`CSV import: ${rowsText} lines, all refused…`);
    const refusedBody = readFileSync(refused);
    stop = await watch(app, support);
    const rejected = await upload(app, operator, refusedBody);
    const reportStarted = performance.now();
    const report = await fetch(`${app.url}/api/devices/imports/${rejected.json.summary?.importId}/report`, {
      headers: { Cookie: operator },
    });
    let reportLines = 0;
    for await (const chunk of report.body as unknown as AsyncIterable<Uint8Array>)
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) reportLines++;
    const reportSeconds = (performance.now() - reportStarted) / 1000;
    seen = await stop();
    results.push({
      scenario: "CSV import over HTTP, all lines refused",
      setup: `${rowsText} lines (${round(statSync(refused).size / 2 ** 20)} MiB) with a bad registration ID each, then the report downloaded (GET /api/devices/imports/:id/report); ${path_}`,
      metrics: {
        "HTTP status": rejected.status,
        "upload seconds": round(rejected.seconds),
        "report seconds": round(reportSeconds),
        "seconds to the report": round(rejected.seconds + reportSeconds),
        refused: rejected.json.summary?.refused ?? 0,
        "report lines": reportLines,
        ...seen,
      },
      target: "report within 30 s, web server peak RSS <= 300 MB, health p99 <= 200 ms",
      met:
        rejected.json.summary?.refused === options.rows &&
        reportLines === options.rows + 1 &&
        rejected.seconds + reportSeconds <= 30 &&
        seen["web server peak RSS MB"] <= 300 &&
        seen["health p99 ms"] <= 200,
    });

    // 3. A quote that never closes.
    await restart();
    options.log("CSV import: a 4 MB file whose second line opens a quote that never closes…");
    stop = await watch(app, support);
    const unclosed = await upload(app, operator, quote);
    seen = await stop();
    results.push({
      scenario: "CSV import over HTTP, a quote never closed",
      setup: `${round(quote.length / 2 ** 20)} MiB: a header, line 2 opens a quote, ${(700_000).toLocaleString("en")} short lines follow; ${path_}`,
      metrics: {
        "HTTP status": unclosed.status,
        seconds: round(unclosed.seconds, 2),
        "names line 2": /line 2\b/.test(unclosed.json.message ?? "") ? "yes" : "no",
        ...seen,
      },
      target: "4xx naming line 2 within seconds, health p99 <= 200 ms",
      notes: unclosed.json.message,
      met:
        unclosed.status === 400 &&
        /line 2\b/.test(unclosed.json.message ?? "") &&
        unclosed.seconds < 5 &&
        seen["health p99 ms"] <= 200,
    });

    // 4. Twelve uploads that send a little, then hang.
    await restart();
    options.log("CSV import: 12 uploads that hang open…");
    stop = await watch(app, support);
    const url = new URL(`${app.url}/api/devices/import`);
    const statuses: number[] = [];
    const hanging: ClientRequest[] = [];
    const answered = Array.from(
      { length: 12 },
      (_, i) =>
        new Promise<void>((resolve) => {
          const request = httpRequest({
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: "POST",
            headers: { Cookie: operator, "Content-Type": "text/csv", "Content-Length": 10_000_000 },
          });
          request.on("response", (response) => {
            statuses.push(response.statusCode ?? 0);
            response.resume();
            response.on("end", resolve);
          });
          request.on("error", () => resolve());
          request.write(
            `registrationId\n${Array.from({ length: 5000 }, (_, j) => `hang-${i}-${j}`).join("\n")}\n`,
          );
          hanging.push(request);
        }),
    );
    await Promise.race([Promise.all(answered), new Promise((r) => setTimeout(r, idleMs + 8_000))]);
    seen = await stop();
    for (const request of hanging) request.destroy();
    const count = (status: number) => statuses.filter((s) => s === status).length;
    results.push({
      scenario: "CSV import over HTTP, 12 uploads hanging open",
      setup: `one operator opens 12 uploads (Content-Length 10 MB), sends 5,000 lines on each and then nothing; HIC_IMPORT_IDLE_MS=${idleMs}, other import settings at their defaults; ${path_}`,
      metrics: {
        "refused with 429": count(429),
        "ended with 408 (idle)": count(408),
        "other answers": statuses.length - count(429) - count(408),
        ...seen,
      },
      target: "pages answer < 1 s, web server RSS < 300 MB, no 5xx",
      met:
        seen["devices page max ms"] < 1000 &&
        seen["web server peak RSS MB"] < 300 &&
        seen["failed requests"] === 0 &&
        statuses.every((s) => s < 500),
    });
    return results;
  } finally {
    await app.stop();
    await client.end();
  }
}
