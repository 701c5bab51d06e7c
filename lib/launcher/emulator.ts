import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startDpsEmulator, type DpsEmulator } from "@/dps-emulator";
import { env } from "@/lib/env";

export type LocalDps = { emulator: DpsEmulator; connection: { idScope: string; groupKey: string; host: string }; caBundle: string };

/**
 * The local DPS emulator with its demo configuration, so a newcomer can connect and provision
 * without Azure. Its CA is appended to any NODE_EXTRA_CA_CERTS bundle already in force, never
 * replacing it, and the app process gets the combined file.
 */
export async function startLocalDps(dataDir: string, log: (line: string) => void): Promise<LocalDps> {
  const emulatorDir = path.join(dataDir, "dps-emulator");
  const emulator = await startDpsEmulator({ dataDir: emulatorDir, port: env().HIC_DPS_EMULATOR_PORT, log: (m) => log(`dps-emulator: ${m}`) });
  const group = emulator.config.enrollmentGroups[0];
  if (!group) throw new Error("The DPS emulator configuration has no enrollment group.");
  const connection = { idScope: emulator.idScope, groupKey: group.primaryKey, host: `localhost:${emulator.port}` };
  // For scripts and tests that drive the demo (file mode 600: it holds the demo group key).
  writeFileSync(path.join(emulatorDir, "connection.json"), `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });

  const existing = env().NODE_EXTRA_CA_CERTS;
  const caBundle = path.join(dataDir, "extra-ca-certs.pem");
  const inherited = existing && existsSync(existing) ? `${readFileSync(existing, "utf8").trim()}\n` : "";
  writeFileSync(caBundle, `${inherited}${emulator.caPem.trim()}\n`);
  return { emulator, connection, caBundle };
}
