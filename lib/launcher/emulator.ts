import { writeFileSync } from "node:fs";
import path from "node:path";
import { startDpsEmulator, type DpsEmulator } from "@/dps-emulator";
import { env } from "@/lib/env";

export type LocalDps = {
  emulator: DpsEmulator;
  connection: { idScope: string; groupKey: string; host: string };
  /** For the app: the outbound policy allows this host, and the emulator's CA is trusted for it alone. */
  env: { HIC_DPS_EMULATOR_HOST: string; HIC_DPS_EMULATOR_CA_FILE: string };
};

/**
 * The local DPS emulator with its demo configuration, so a newcomer can connect and provision
 * without Azure. Its CA (name-constrained to loopback) is trusted by the app for connections to
 * the emulator only, never process-wide.
 */
export async function startLocalDps(dataDir: string, log: (line: string) => void): Promise<LocalDps> {
  const emulatorDir = path.join(dataDir, "dps-emulator");
  const emulator = await startDpsEmulator({ dataDir: emulatorDir, port: env().HIC_DPS_EMULATOR_PORT, log: (m) => log(`dps-emulator: ${m}`) });
  const group = emulator.config.enrollmentGroups[0];
  if (!group) throw new Error("The DPS emulator configuration has no enrollment group.");
  const connection = { idScope: emulator.idScope, groupKey: group.primaryKey, host: `localhost:${emulator.port}` };
  // For scripts and tests that drive the demo (file mode 600: it holds the demo group key).
  writeFileSync(path.join(emulatorDir, "connection.json"), `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });

  return { emulator, connection, env: { HIC_DPS_EMULATOR_HOST: connection.host, HIC_DPS_EMULATOR_CA_FILE: emulator.caFile } };
}
