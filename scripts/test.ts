/**
 * `npm test`: every test against real services. Unit and integration tests (vitest) first, then
 * the end-to-end flows (Playwright) against the app started by the real launcher. Uses
 * DATABASE_URL's server when set (fresh databases, dropped afterwards), otherwise an embedded one.
 *   npm test                 everything
 *   npm test -- --unit       vitest only        npm test -- --e2e   Playwright only
 * Extra arguments after `--` go to the runner (e.g. a file filter).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestServer, type TestServer } from "@/tests/support/test-database";
import { ensureBuild } from "@/ops/launcher/build";
import { resolveDataDir, prepareDataDir } from "@/ops/runtime/data-dir";
import { localActionsKey } from "@/ops/runtime/required-secrets";
import { pickPort } from "@/ops/postgres/free-port";
import { addCounts, closingLine, noCounts, withFailure, type Counts } from "@/tests/runner/counts";
import { runPlaywright, runVitest } from "@/tests/runner/run";

const root = process.cwd();
const resultsDir = path.join(root, "test-results");
const log = (line: string) => console.log(`[test] ${line}`);
/** What an interrupted run must stop: the app runs in its own process group and would not hear a Ctrl+C. */
const running: { app: { stop: () => Promise<void> } | null; server: TestServer | null } = {
  app: null,
  server: null,
};

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit", env });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function report(runner: string, counts: Counts): Counts {
  log(`${runner}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts;
}

async function unitTests(server: TestServer, extra: string[]): Promise<Counts> {
  const { counts } = await runVitest({
    root,
    args: extra,
    env: { ...process.env, DATABASE_URL: server.adminUrl },
    reportFile: path.join(resultsDir, "vitest-summary.json"),
  });
  return report("vitest", counts);
}

/** Starts `npm start`'s launcher in its own process group, so stopping it stops everything it started. */
async function startApp(
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const appLog = createWriteStream(path.join(resultsDir, "app.log"));
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr!.pipe(appLog);
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      appLog.write(chunk);
      buffer += chunk.toString();
      const match = /\[hic\] Ready: (\S+)/.exec(buffer);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`The app exited (code ${code}) before it was ready; see test-results/app.log.`)),
    );
  });
  // The launcher stops what it started within its own bound (25 s); SIGKILL after 40 s is the
  // backstop, and its children then exit by themselves. The timer stays referenced: a pending
  // promise alone would not keep this process waiting.
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const backstop = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 40_000);
      child.once("exit", () => {
        clearTimeout(backstop);
        resolve();
      });
      process.kill(-child.pid!, "SIGTERM");
    });
  return { url, child, stop };
}

/**
 * Playwright cannot download its browser on machines without internet; Debian's Chromium works.
 * As root with apt, install it so the README's test command works on a fresh machine.
 */
async function ensureChromium(): Promise<void> {
  if (existsSync("/usr/bin/chromium")) return;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    log(
      "Chromium not found at /usr/bin/chromium: install it (Debian: apt-get install -y chromium) or run `npx playwright install chromium`.",
    );
    return;
  }
  log("Installing Debian's Chromium for the browser tests (apt-get install -y chromium)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (
    (await run("apt-get", ["update", "-qq"], env)) !== 0 ||
    (await run("apt-get", ["install", "-y", "-qq", "chromium"], env)) !== 0
  ) {
    throw new Error("Could not install Chromium with apt-get; install it by hand and run the tests again.");
  }
}

async function endToEndTests(server: TestServer, extra: string[]): Promise<Counts> {
  await ensureChromium();
  // The local build's key (the data directory's, as `npm start` uses), so tests reuse that build.
  const actionsKey = localActionsKey(prepareDataDir(resolveDataDir()), log);
  ensureBuild(root, actionsKey, log);
  const databaseUrl = await server.createDatabase("hic_e2e");
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hic-e2e-"));
  chmodSync(dataDir, 0o755);
  const port = await pickPort(0);
  // The metrics endpoint, token-protected as in production: the adversarial suite checks both.
  const metricsPort = await pickPort(0);
  // A small upload cap, so the adversarial suite can exceed it cheaply.
  const importCap = String(1024 * 1024);
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    HIC_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    HIC_ADMIN_EMAIL: "",
    HIC_ADMIN_PASSWORD: "",
    HIC_IMPORT_MAX_BYTES: importCap,
    NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: actionsKey,
    HIC_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    HIC_METRICS_TOKEN: randomBytes(24).toString("hex"),
  };
  const app = await startApp(env);
  running.app = app;
  log(`App under test: ${app.url} (log: test-results/app.log)`);
  try {
    const { counts } = await runPlaywright({
      root,
      args: extra,
      env: {
        // Not the app's metrics address: flows that start servers of their own (npm start, a fleet)
        // would all try to listen on it.
        ...withoutMetrics(env),
        E2E_METRICS_TOKEN: env.HIC_METRICS_TOKEN,
        E2E_BASE_URL: app.url,
        E2E_DATABASE_URL: databaseUrl,
        E2E_DATA_DIR: dataDir,
        E2E_IMPORT_MAX_BYTES: importCap,
        // The adversarial suite fails on errors the app logs while it runs (e2e/adversarial/server-log.ts).
        E2E_APP_LOG: path.join(resultsDir, "app.log"),
        E2E_METRICS_URL: `http://127.0.0.1:${metricsPort}`,
      },
      reportFile: path.join(resultsDir, "e2e.json"),
    });
    return report("playwright", counts);
  } finally {
    await app.stop();
    running.app = null;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function withoutMetrics(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  delete rest.HIC_METRICS_ADDRESS;
  delete rest.HIC_METRICS_TOKEN;
  return rest;
}

async function main() {
  const args = process.argv.slice(2);
  const only = args.includes("--unit") ? "unit" : args.includes("--e2e") ? "e2e" : "all";
  const extra = args.filter((a) => a !== "--unit" && a !== "--e2e");
  mkdirSync(resultsDir, { recursive: true });
  rmSync(path.join(resultsDir, "adversarial-summary.json"), { force: true });
  let total = noCounts();
  let server: TestServer | null = null;
  try {
    server = running.server = await startTestServer();
    if (only !== "e2e") total = addCounts(total, await unitTests(server, only === "unit" ? extra : []));
    if (only !== "unit") total = addCounts(total, await endToEndTests(server, only === "e2e" ? extra : []));
  } catch (error) {
    console.error(`[test] ${(error as Error).message}`);
    if (existsSync(path.join(resultsDir, "app.log")))
      console.error(readFileSync(path.join(resultsDir, "app.log"), "utf8").slice(-4000));
    total = withFailure(total, `npm test: ${(error as Error).message.split("\n")[0]}`);
  } finally {
    await server?.stop();
  }
  if (total.failures.length > 0) {
    console.log(`\n[test] What failed:`);
    for (const failure of total.failures) console.log(`  ✗ ${failure}`);
  }
  console.log(`\n${closingLine(total)}`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the app and the database; the run counts as failed.`);
    void Promise.allSettled([running.app?.stop(), running.server?.stop()]).then(() => process.exit(130));
  });
}

main();
