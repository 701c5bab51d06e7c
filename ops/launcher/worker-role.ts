import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { env, setEnv } from "@/lib/env";
import { secretFile } from "@/ops/runtime/required-secrets";
import { asParsedSettings, localIotHubEnv, readLocalIotHubInfo } from "./iot-hub-env";

/**
 * A worker decrypts the stored DPS key with the app's HIC_SECRET_KEY: the environment's, or on one
 * machine the one `npm start` keeps in the data directory. Never generated: a fresh key could not
 * read what the app stored.
 */
export function loadSecretKey(dataDir: string): string {
  const given = env().HIC_SECRET_KEY;
  if (given) return given;
  const file = secretFile(dataDir, "HIC_SECRET_KEY");
  if (!existsSync(file))
    throw new Error(`HIC_SECRET_KEY is not set and ${file} does not exist: set it to the key the app uses.`);
  const key = readFileSync(file, "utf8").trim();
  setEnv({ HIC_SECRET_KEY: key });
  return key;
}

/**
 * Next to `npm start`, reach the local DPS emulator the way the launcher lets the app reach it:
 * its host is allowed, and its CA is trusted for that host only.
 */
export function reachLocalEmulator(dataDir: string): void {
  const connectionFile = path.join(dataDir, "dps-emulator", "connection.json");
  const caFile = path.join(dataDir, "dps-emulator", "ca.pem");
  if (!existsSync(connectionFile) || !existsSync(caFile)) return;
  const connection = JSON.parse(readFileSync(connectionFile, "utf8")) as { host?: string };
  // The local IoT Hub runs in the emulator's process: its hubs are checked there, with its CA.
  const iotHub = readLocalIotHubInfo(connection);
  if (iotHub) setEnv(asParsedSettings(localIotHubEnv(iotHub, env())));
  if (env().HIC_DPS_EMULATOR_HOST || !connection.host) return;
  setEnv({ HIC_DPS_EMULATOR_HOST: connection.host.toLowerCase(), HIC_DPS_EMULATOR_CA_FILE: caFile });
}
