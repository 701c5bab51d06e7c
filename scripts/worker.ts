/**
 * `npm run worker`: one more provisioning worker process, on this machine or another one sharing
 * the database. It connects like the other CLIs (DATABASE_URL, or the running app's embedded
 * Postgres), works until SIGINT/SIGTERM, then lets in-flight DPS calls finish (or hands them back
 * to the queue) before it exits. The app runs a worker of its own unless HIC_WORKER=off.
 *
 * Tuning: the HIC_WORKER_*, HIC_LEASE_SECONDS, HIC_MAX_ATTEMPTS, HIC_RETRY_*, HIC_SHUTDOWN_GRACE_MS,
 * HIC_ENGINE_POOL_SIZE and HIC_DPS_CA_FILE variables (lib/env.ts; the README's Configuration table).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { env, setEnv } from "@/lib/env";
import { resolveDataDir, prepareDataDir } from "@/lib/runtime/data-dir";
import { connectDatabase } from "@/lib/launcher/database";
import { closeDb } from "@/db/client";
import { createDpsFetch } from "@/lib/dps";
import { shutdownProvisioning, startProvisioningWorker } from "@/lib/provisioning";

const log = (line: string) => console.log(`[hic-worker] ${line}`);

/** The app decrypts the DPS key with HIC_SECRET_KEY; a local run keeps it in the data directory. */
function loadSecretKey(dataDir: string): void {
  if (env().HIC_SECRET_KEY) return;
  const file = path.join(dataDir, "hic_secret_key.secret");
  if (!existsSync(file)) throw new Error(`HIC_SECRET_KEY is not set and ${file} does not exist: set it to the key the app uses.`);
  setEnv({ HIC_SECRET_KEY: readFileSync(file, "utf8").trim() });
}

/** Next to `npm start`, trust the local DPS emulator's CA the way the launcher makes the app trust it. */
function localCaFetch(dataDir: string) {
  if (env().NODE_EXTRA_CA_CERTS || env().HIC_DPS_CA_FILE) return undefined;
  const bundle = path.join(dataDir, "extra-ca-certs.pem");
  return existsSync(bundle) ? createDpsFetch({ caPem: readFileSync(bundle, "utf8") }) : undefined;
}

async function main() {
  env(); // every configuration mistake stops the worker here, each one named
  const dataDir = prepareDataDir(resolveDataDir());
  loadSecretKey(dataDir);
  const database = await connectDatabase({ dataDir, log });
  setEnv({ DATABASE_URL: database.url });
  const fetch = localCaFetch(dataDir);
  const worker = await startProvisioningWorker(fetch ? { fetch } : {});
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
