import { readFileSync, createWriteStream, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { once } from "node:events";
import pg from "pg";
import { startNextServer } from "@/ops/launcher/next-server";
import { pickPort } from "@/ops/postgres/free-port";
import { hashPassword } from "@/lib/auth/password";
import { signInOverHttp } from "../support/sign-in";
import type { BenchResult } from "../support/result";

/** `dev-0000001,,` lines with a payload on every tenth: ~15 MiB for a million devices. */
async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write("registrationId,name,payload\n");
  for (let i = 0; i < rows; i++) {
    const line = `dev-${String(i).padStart(7, "0")},,${i % 10 === 0 ? '"{""site"":""berlin""}"' : ""}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
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

/**
 * The CSV import on the user's path: a signed-in operator uploads the file to the running app
 * (`POST /api/devices/import`, the Import CSV dialog's request, with its Content-Length), and the
 * web server's resident memory is sampled from /proc every 50 ms while it works.
 */
export async function csvImportScenario(options: {
  databaseUrl: string;
  rows: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<BenchResult> {
  const file = path.join(options.workDir, "devices.csv");
  await writeCsv(file, options.rows);
  const bytes = statSync(file).size;

  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const password = "bench-operator-password";
  await client.query("insert into users (email, password_hash, role) values ($1, $2, 'operator')", [
    "operator@bench.local",
    await hashPassword(password),
  ]);

  const app = await startNextServer({
    root: process.cwd(),
    host: "127.0.0.1",
    port: await pickPort(0),
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      AUTH_SECRET: randomBytes(32).toString("base64"),
      HIC_SECRET_KEY: randomBytes(32).toString("base64"),
      HIC_WORKER: "off",
      LOG_LEVEL: "warn",
    },
  });
  try {
    const cookie = await signInOverHttp(app.url, "operator@bench.local", password);
    const pid = app.child.pid!;
    const idleRss = rssMb(pid);
    let peakRss = idleRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 50);
    const body = readFileSync(file);
    options.log(
      `CSV import: uploading ${options.rows.toLocaleString("en")} rows (${(bytes / 2 ** 20).toFixed(1)} MiB) as an operator over HTTP…`,
    );
    const started = performance.now();
    const response = await fetch(`${app.url}/api/devices/import`, {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "text/csv", "X-File-Name": "bench.csv" },
      body,
    });
    const json = (await response.json()) as {
      ok: boolean;
      message?: string;
      summary?: { added: number; total: number; status: string };
    };
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, rssMb(pid));
    const { rows } = await client.query<{ n: string }>("select count(*) as n from devices");
    const inDatabase = Number(rows[0]!.n);
    if (!json.ok || !json.summary)
      throw new Error(`the import answered HTTP ${response.status}: ${json.message ?? "no summary"}`);
    const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
    return {
      scenario: "CSV import over HTTP",
      setup: `${options.rows.toLocaleString("en")} rows (${round(bytes / 2 ** 20)} MiB, registrationId,name,payload), one upload by a signed-in operator to POST /api/devices/import of the running app, empty table, provisioning worker off; RSS of the web server process sampled from /proc every 50 ms`,
      metrics: {
        seconds: round(seconds),
        "rows/s": Math.round(json.summary.added / seconds),
        "web server peak RSS MB": Math.round(peakRss),
        "web server idle RSS MB": Math.round(idleRss),
        added: json.summary.added,
        "devices in the database": inDatabase,
      },
      target: "all added, <= 60 s and web server peak RSS <= 300 MB",
      met:
        json.summary.added === options.rows && inDatabase === options.rows && seconds <= 60 && peakRss <= 300,
    };
  } finally {
    await app.stop();
    await client.end();
  }
}
