/**
 * `npm start`: data directory and secrets → database → migrations → first administrator → joining
 * the fleet of instances sharing the database → local DPS emulator (where asked) → what HIC_ROLE
 * says: `all` (default) the web server with the provisioning worker inside, `web` the web server
 * alone, `worker` a provisioning worker alone. Each step lives in ops/launcher or ops/fleet; this
 * file only composes them.
 */
import { childProcessEnv, env, setEnv, wantsDpsEmulator } from "@/lib/env";
import { resolveDataDir, prepareDataDir } from "@/ops/runtime/data-dir";
import { ensureSecrets, secretsForRole } from "@/ops/runtime/required-secrets";
import { connectDatabase } from "@/ops/launcher/database";
import { bootstrapAdminFromEnv } from "@/ops/launcher/bootstrap-admin";
import { ensureBuild, expectedBuildId } from "@/ops/launcher/build";
import { startNextServer } from "@/ops/launcher/next-server";
import { loadSecretKey } from "@/ops/launcher/worker-role";
import { instanceFacts, joinFleet } from "@/ops/fleet/registry";
import { closeDb } from "@/lib/database";
import { startMetricsServer } from "@/lib/observability/metrics-server";
import { startTracing } from "@/lib/observability/tracing";
import { bounded, isShuttingDown, onShutdown, shutdown } from "@/ops/launcher/shutdown";
import { startLocalDps, type LocalDps } from "@/ops/launcher/emulator";
import { asParsedSettings } from "@/ops/launcher/iot-hub-env";
import { shutdownProvisioning, startProvisioningWorker } from "@/lib/provisioning";
import { wireEngine } from "@/lib/engine-wiring";

const log = (line: string) => console.log(`[hic] ${line}`);

async function main() {
  const root = process.cwd();
  const config = env(); // every configuration mistake stops the start here, each one named
  const role = config.HIC_ROLE;
  const dataDir = prepareDataDir(resolveDataDir());
  const secrets =
    role === "worker"
      ? { HIC_SECRET_KEY: loadSecretKey(dataDir) }
      : ensureSecrets(dataDir, config, log, secretsForRole(role));
  const buildId =
    role === "worker" ? null : expectedBuildId(root, secrets.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY!);

  const database = await connectDatabase({
    dataDir,
    log,
    supervise: {
      isShuttingDown,
      giveUp: (reason) => {
        process.exitCode = 1;
        void shutdown(`${reason}; the app cannot run without its database`);
      },
    },
  });
  onShutdown(() => database.stop());
  setEnv({ DATABASE_URL: database.url });
  log(
    database.embedded
      ? `Embedded PostgreSQL on 127.0.0.1:${database.port} (cluster in ${database.clusterDir}).`
      : "Using the PostgreSQL server in DATABASE_URL.",
  );

  const firstRun = role === "worker" ? "skipped" : await bootstrapAdminFromEnv(config, log);
  await closeDb();

  // Refuses (one line) when this instance's keys or build disagree with the running ones.
  const fleet = await joinFleet(database.url, instanceFacts(role, buildId, secrets), { log });
  onShutdown(() => fleet.leave());

  let localDps: LocalDps | null = null;
  if (wantsDpsEmulator(config)) {
    localDps = await startLocalDps(dataDir, log);
    onShutdown(bounded(() => localDps!.emulator.stop(), 3_000));
  }

  if (role === "worker") {
    if (localDps) setEnv({ ...localDps.env, ...asParsedSettings(localDps.hubEnv) });
    startTracing("worker");
    wireEngine();
    const worker = await startProvisioningWorker({});
    await startMetricsServer(log);
    onShutdown(async () => {
      await worker.stop();
      await shutdownProvisioning();
      await closeDb();
    });
    await fleet.markServing();
    if (localDps) printEmulator(localDps);
    log(`Ready: provisioning worker (pid ${process.pid}), no web server (HIC_ROLE=worker).`);
    log("Stop with Ctrl+C.");
    return;
  }

  ensureBuild(root, secrets.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY!, log);
  const { PORT: port, HOST: host } = config;
  // The emulator's host and CA: allowed as a DPS host, and its CA trusted for that host only (never process-wide).
  const appEnv = childProcessEnv({
    ...secrets,
    DATABASE_URL: database.url,
    HIC_DATA_DIR: dataDir,
    ...(role === "web" ? { HIC_WORKER: "off" } : {}),
    ...(localDps ? { ...localDps.env, ...localDps.hubEnv } : {}),
  });
  const app = await startNextServer({ root, host, port, env: appEnv });
  onShutdown(() => app.stop());
  app.child.once("exit", (code, signal) => {
    if (isShuttingDown()) return;
    process.exitCode = 1;
    void shutdown(`The web server stopped (${signal ?? `code ${code}`})`);
  });
  await fleet.markServing();

  if (localDps) printEmulator(localDps);
  log(`Ready: ${app.url}${role === "web" ? " (web server only: HIC_ROLE=web)" : ""}`);
  log(
    firstRun === "needs-setup"
      ? `Next: open ${app.url} and create the first administrator.`
      : `Next: open ${app.url} and sign in.`,
  );
  if (localDps)
    log(
      "Then: Administration → Hyperscaler Integration Center → Connect, paste the values above, and add devices under Devices.",
    );
  log("Stop with Ctrl+C.");
}

function printEmulator(localDps: LocalDps): void {
  const { idScope, groupKey, host: dpsHost, serviceConnectionString } = localDps.connection;
  log(
    `Local DPS emulator: ${localDps.emulator.url} (turn off with HIC_DPS_EMULATOR=off). To try it, connect with:`,
  );
  log(`  ID Scope:                                  ${idScope}`);
  log(`  Enrollment group key:                      ${groupKey}`);
  log(`  Device Provisioning Service hostname:      ${dpsHost}`);
  log(`  Service connection string (optional, under Advanced): ${serviceConnectionString}`);
  const hub = localDps.connection.iotHub;
  log(
    `Local IoT Hub for the linked hubs: mqtts://${hub.address}:${hub.mqttPort} and https://${hub.address}:${hub.httpsPort} (CA ${hub.caFile}):`,
  );
  for (const { hostName, ownerConnectionString } of hub.hubs) log(`  ${hostName}: ${ownerConnectionString}`);
}

main().catch((error: unknown) => {
  console.error(`[hic] ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
  void shutdown("Could not start");
});
