/**
 * `npm start`: data directory and secrets → database → migrations → first administrator →
 * local DPS emulator → build if needed → web server (with the provisioning worker inside).
 * Each step lives in lib/launcher; this file only composes them.
 */
import { childProcessEnv, env, setEnv } from "@/lib/env";
import { resolveDataDir, prepareDataDir } from "@/lib/runtime/data-dir";
import { ensureSecrets } from "@/lib/runtime/required-secrets";
import { connectDatabase } from "@/lib/launcher/database";
import { bootstrapAdminFromEnv } from "@/lib/launcher/bootstrap-admin";
import { ensureBuild } from "@/lib/launcher/build";
import { startNextServer } from "@/lib/launcher/next-server";
import { closeDb } from "@/db/client";
import { bounded, isShuttingDown, onShutdown, shutdown } from "@/lib/launcher/shutdown";
import { startLocalDps, type LocalDps } from "@/lib/launcher/emulator";

const log = (line: string) => console.log(`[hic] ${line}`);

async function main() {
  const root = process.cwd();
  const config = env(); // every configuration mistake stops the start here, each one named
  const dataDir = prepareDataDir(resolveDataDir());
  const secrets = ensureSecrets(dataDir, config, log);

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
  log(database.embedded ? `Embedded PostgreSQL on 127.0.0.1:${database.port} (cluster in ${database.clusterDir}).` : "Using the PostgreSQL server in DATABASE_URL.");

  const firstRun = await bootstrapAdminFromEnv(config, log);
  await closeDb();

  let localDps: LocalDps | null = null;
  if (config.HIC_DPS_EMULATOR === "on") {
    localDps = await startLocalDps(dataDir, log);
    onShutdown(bounded(() => localDps!.emulator.stop(), 3_000));
  }

  ensureBuild(root, log);
  const { PORT: port, HOST: host } = config;
  // The emulator's host and CA: allowed as a DPS host, and its CA trusted for that host only (never process-wide).
  const appEnv = childProcessEnv({ ...secrets, DATABASE_URL: database.url, HIC_DATA_DIR: dataDir, ...(localDps ? localDps.env : {}) });
  const app = await startNextServer({ root, host, port, env: appEnv });
  onShutdown(() => app.stop());
  app.child.once("exit", (code, signal) => {
    if (isShuttingDown()) return;
    process.exitCode = 1;
    void shutdown(`The web server stopped (${signal ?? `code ${code}`})`);
  });

  if (localDps) {
    const { idScope, groupKey, host: dpsHost } = localDps.connection;
    log(`Local DPS emulator: ${localDps.emulator.url} (turn off with HIC_DPS_EMULATOR=off). To try it, connect with:`);
    log(`  ID Scope:                                  ${idScope}`);
    log(`  Enrollment group key:                      ${groupKey}`);
    log(`  Device Provisioning Service hostname:      ${dpsHost}`);
  }
  log(`Ready: ${app.url}`);
  log(firstRun === "needs-setup" ? `Next: open ${app.url} and create the first administrator.` : `Next: open ${app.url} and sign in.`);
  if (localDps) log("Then: Administration → Hyperscaler Integration Center → Connect, paste the values above, and add devices under Devices.");
  log("Stop with Ctrl+C.");
}

main().catch((error: unknown) => {
  console.error(`[hic] ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
  void shutdown("Could not start");
});
