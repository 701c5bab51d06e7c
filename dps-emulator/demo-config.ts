import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { parseEmulatorConfig, type EmulatorConfig } from "./config";

export const DEMO_KEYS_FILE = "demo-group-keys.json";
export const DEMO_ID_SCOPE = "0ne000DE401";
export const DEMO_ENROLLMENT_GROUP_ID = "hic-demo-fleet";

type DemoKeys = { primaryKey: string; secondaryKey: string };

function isDemoKeys(value: unknown): value is DemoKeys {
  const keys = value as Partial<DemoKeys> | null;
  return typeof keys?.primaryKey === "string" && typeof keys.secondaryKey === "string";
}

/** Generated once per data directory, so devices provisioned in one session still authenticate in the next. */
async function loadOrCreateDemoKeys(dataDir: string): Promise<DemoKeys> {
  const file = path.join(dataDir, DEMO_KEYS_FILE);
  try {
    const stored: unknown = JSON.parse(await readFile(file, "utf8"));
    if (isDemoKeys(stored)) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
  }
  const keys = { primaryKey: randomBytes(64).toString("base64"), secondaryKey: randomBytes(64).toString("base64") };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return keys;
}

/** Two hubs weighted 1:3 so the demo visibly spreads devices, and a short Retry-After so it feels instant. */
export async function loadDemoConfig(dataDir: string): Promise<EmulatorConfig> {
  const keys = await loadOrCreateDemoKeys(dataDir);
  return parseEmulatorConfig({
    idScope: DEMO_ID_SCOPE,
    linkedHubs: [
      { name: "hic-demo-hub-1.azure-devices.net", allocationWeight: 1, applyAllocationPolicy: true, latencyMs: 40 },
      { name: "hic-demo-hub-2.azure-devices.net", allocationWeight: 3, applyAllocationPolicy: true, latencyMs: 25 },
    ],
    enrollmentGroups: [
      {
        enrollmentGroupId: DEMO_ENROLLMENT_GROUP_ID,
        ...keys,
        allocationPolicy: "hashed",
        reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
        provisioningStatus: "enabled",
      },
    ],
    retryAfterSeconds: 1,
  });
}
