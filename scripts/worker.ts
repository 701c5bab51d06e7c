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
import { env, setEnv } from "@/lib/env";
import { resolveDataDir, prepareDataDir } from "@/ops/runtime/data-dir";
import { connectDatabase } from "@/ops/launcher/database";
import { loadSecretKey, reachLocalEmulator } from "@/ops/launcher/worker-role";
import { instanceFacts, joinFleet } from "@/ops/fleet/registry";
import { closeDb } from "@/lib/database";
import { startMetricsServer } from "@/lib/observability/metrics-server";
import { startTracing } from "@/lib/observability/tracing";
import { shutdownProvisioning, startProvisioningWorker } from "@/lib/provisioning";
import { wireEngine } from "@/lib/engine-wiring";

const log = (line: string) => console.log(`[hic-worker] ${line}`);

async function main() {
  env(); // every configuration mistake stops the worker here, each one named
  const dataDir = prepareDataDir(resolveDataDir());
  const secretKey = loadSecretKey(dataDir);
  const database = await connectDatabase({ dataDir, log });
  setEnv({ DATABASE_URL: database.url });
  // Its HIC_SECRET_KEY must be the one the running instances use (ops/fleet).
  const fleet = await joinFleet(database.url, instanceFacts("worker", null, { HIC_SECRET_KEY: secretKey }), {
    log,
  }).catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });
  reachLocalEmulator(dataDir);
  const tracing = startTracing("worker");
  wireEngine();
  const worker = await startProvisioningWorker({});
  await startMetricsServer(log);
  await fleet.markServing();
  log(`Working (pid ${process.pid}). Stop with Ctrl+C.`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log(
        `${signal} again: exiting now; unfinished attempts are resumed by other workers after their lease.`,
      );
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: finishing in-flight attempts…`);
    try {
      await worker.stop();
      await shutdownProvisioning();
      await closeDb();
      await tracing?.shutdown(); // the last spans, before the process ends
      await fleet.leave();
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
