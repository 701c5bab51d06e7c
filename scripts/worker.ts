/**
 * `npm run worker`: one more provisioning worker process, on this machine or another one sharing
 * the database. It connects like the other CLIs (DATABASE_URL, or the running app's embedded
 * Postgres), works until SIGINT/SIGTERM, then lets in-flight DPS calls finish (or hands them back
 * to the queue) before it exits. The app runs a worker of its own unless HIC_WORKER=off.
 *
 * Tuning: the HIC_WORKER_*, HIC_LEASE_SECONDS, HIC_MAX_ATTEMPTS, HIC_RETRY_*, HIC_SHUTDOWN_GRACE_MS,
 * HIC_ENGINE_POOL_SIZE and HIC_DPS_CA_FILE variables (lib/env.ts; the README's Configuration table).
 * HIC_DPS_EMULATOR_HOST and HIC_DPS_EMULATOR_CA_FILE (a local emulator) are read from the data
 * directory next to `npm start` when not set.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { env, setEnv } from "@/lib/env";
import { resolveDataDir, prepareDataDir } from "@/lib/runtime/data-dir";
import { connectDatabase } from "@/lib/launcher/database";
import { closeDb } from "@/db/client";
import { shutdownProvisioning, startProvisioningWorker } from "@/lib/provisioning";

const log = (line: string) => console.log(`[hic-worker] ${line}`);

/** The app decrypts the DPS key with HIC_SECRET_KEY; a local run keeps it in the data directory. */
function loadSecretKey(dataDir: string): void {
  if (env().HIC_SECRET_KEY) return;
  const file = path.join(dataDir, "hic_secret_key.secret");
  if (!existsSync(file)) throw new Error(`HIC_SECRET_KEY is not set and ${file} does not exist: set it to the key the app uses.`);
  setEnv({ HIC_SECRET_KEY: readFileSync(file, "utf8").trim() });
}

/**
 * Next to `npm start`, reach the local DPS emulator the way the launcher lets the app reach it:
 * its host is allowed, and its CA is trusted for that host only.
 */
function reachLocalEmulator(dataDir: string): void {
  if (env().HIC_DPS_EMULATOR_HOST) return;
  const connectionFile = path.join(dataDir, "dps-emulator", "connection.json");
  const caFile = path.join(dataDir, "dps-emulator", "ca.pem");
  if (!existsSync(connectionFile) || !existsSync(caFile)) return;
  const { host } = JSON.parse(readFileSync(connectionFile, "utf8")) as { host?: string };
  if (!host) return;
  setEnv({ HIC_DPS_EMULATOR_HOST: host.toLowerCase(), HIC_DPS_EMULATOR_CA_FILE: caFile });
}

async function main() {
  env(); // every configuration mistake stops the worker here, each one named
  const dataDir = prepareDataDir(resolveDataDir());
  loadSecretKey(dataDir);
  const database = await connectDatabase({ dataDir, log });
  setEnv({ DATABASE_URL: database.url });
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
  process.on("SIGINT", (signal) => void stop(signal));
  process.on("SIGTERM", (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  console.error(`[hic-worker] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
