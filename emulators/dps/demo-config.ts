import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { parseEmulatorConfig, type EmulatorConfig } from "./config";

export const DEMO_KEYS_FILE = "demo-group-keys.json";
export const DEMO_ID_SCOPE = "0ne000DE401";
export const DEMO_ENROLLMENT_GROUP_ID = "hic-demo-fleet";
/** The service API's policies of the demo: DPS's default owner policy, and one that may only read. */
export const DEMO_OWNER_POLICY = "provisioningserviceowner";
export const DEMO_READ_ONLY_POLICY = "hic-read-only";

type KeyPair = { primaryKey: string; secondaryKey: string };
type DemoKeys = KeyPair & {
  servicePolicies: Record<typeof DEMO_OWNER_POLICY | typeof DEMO_READ_ONLY_POLICY, KeyPair>;
};

function isKeyPair(value: unknown): value is KeyPair {
  const keys = value as Partial<KeyPair> | null;
  return typeof keys?.primaryKey === "string" && typeof keys.secondaryKey === "string";
}

const newPair = (bytes: number): KeyPair => ({
  primaryKey: randomBytes(bytes).toString("base64"),
  secondaryKey: randomBytes(bytes).toString("base64"),
});

/**
 * Generated once per data directory, so devices provisioned in one session still authenticate in the
 * next. A file from before the service API keeps its group keys and gains policy keys.
 */
async function loadOrCreateDemoKeys(dataDir: string): Promise<DemoKeys> {
  const file = path.join(dataDir, DEMO_KEYS_FILE);
  let stored: Partial<DemoKeys> | null = null;
  try {
    stored = JSON.parse(await readFile(file, "utf8")) as Partial<DemoKeys>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
  }
  const group = isKeyPair(stored)
    ? { primaryKey: stored.primaryKey, secondaryKey: stored.secondaryKey }
    : newPair(64);
  const policies = stored?.servicePolicies;
  const keys: DemoKeys = {
    ...group,
    servicePolicies: {
      [DEMO_OWNER_POLICY]: isKeyPair(policies?.[DEMO_OWNER_POLICY])
        ? policies[DEMO_OWNER_POLICY]
        : newPair(32),
      [DEMO_READ_ONLY_POLICY]: isKeyPair(policies?.[DEMO_READ_ONLY_POLICY])
        ? policies[DEMO_READ_ONLY_POLICY]
        : newPair(32),
    },
  };
  if (JSON.stringify(keys) === JSON.stringify(stored)) return keys;
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
      {
        name: "hic-demo-hub-1.azure-devices.net",
        allocationWeight: 1,
        applyAllocationPolicy: true,
        latencyMs: 40,
      },
      {
        name: "hic-demo-hub-2.azure-devices.net",
        allocationWeight: 3,
        applyAllocationPolicy: true,
        latencyMs: 25,
      },
    ],
    enrollmentGroups: [
      {
        enrollmentGroupId: DEMO_ENROLLMENT_GROUP_ID,
        primaryKey: keys.primaryKey,
        secondaryKey: keys.secondaryKey,
        allocationPolicy: "hashed",
        reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
        provisioningStatus: "enabled",
      },
    ],
    servicePolicies: [
      {
        name: DEMO_OWNER_POLICY,
        ...keys.servicePolicies[DEMO_OWNER_POLICY],
        rights: ["enrollmentRead", "enrollmentWrite", "registrationStatusRead", "registrationStatusWrite"],
      },
      {
        name: DEMO_READ_ONLY_POLICY,
        ...keys.servicePolicies[DEMO_READ_ONLY_POLICY],
        rights: ["enrollmentRead", "registrationStatusRead"],
      },
    ],
    retryAfterSeconds: 1,
  });
}
