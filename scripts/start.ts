/**
 * `npm start`: data directory and secrets → database → migrations → first administrator →
 * local DPS emulator → build if needed → web server (with the provisioning worker inside).
 * Each step lives in lib/launcher; this file only composes them.
 */
import { resolveDataDir, prepareDataDir } from "@/lib/runtime/data-dir";
import { ensureSecrets } from "@/lib/runtime/secrets";
import { connectDatabase } from "@/lib/launcher/database";
import { bootstrapAdminFromEnv } from "@/lib/launcher/bootstrap-admin";
import { ensureBuild } from "@/lib/launcher/build";
import { startNextServer } from "@/lib/launcher/next-server";
import { closeDb } from "@/db/client";
import { onShutdown } from "@/lib/launcher/shutdown";
import { startLocalDps, type LocalDps } from "@/lib/launcher/emulator";

const log = (line: string) => console.log(`[hic] ${line}`);

async function main() {
  const root = process.cwd();
  const dataDir = prepareDataDir(resolveDataDir());
  const secrets = ensureSecrets(dataDir, process.env, log);

  const database = await connectDatabase({ dataDir, log });
  onShutdown(() => database.stop());
  process.env.DATABASE_URL = database.url;
  log(database.embedded ? `Embedded PostgreSQL on 127.0.0.1:${database.port} (data in ${dataDir}).` : "Using the PostgreSQL server in DATABASE_URL.");

  const firstRun = await bootstrapAdminFromEnv(process.env, log);
  await closeDb();

  let localDps: LocalDps | null = null;
  if (process.env.HIC_DPS_EMULATOR !== "off") {
    localDps = await startLocalDps(dataDir, log);
    onShutdown(() => localDps!.emulator.stop());
  }

  ensureBuild(root, log);
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST || "127.0.0.1";
  const env: NodeJS.ProcessEnv = { ...process.env, ...secrets, DATABASE_URL: database.url, HIC_DATA_DIR: dataDir };
  if (localDps) Object.assign(env, localDps.env);
  const app = await startNextServer({ root, host, port, env });
  onShutdown(() => app.stop());
  app.child.once("exit", (code) => {
    log(`The web server stopped (code ${code}); shutting down.`);
    process.kill(process.pid, "SIGTERM");
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
  process.kill(process.pid, "SIGTERM");
});
