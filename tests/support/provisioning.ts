import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { childProcessEnv, env } from "@/lib/env";
import { integrations } from "@/db/schema";
import { createDpsFetch } from "@/lib/dps";
import { startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";
import type { EmulatorConfigInput } from "@/emulators/dps";
import { DPS_INTEGRATION_ID } from "@/lib/integrations/azure-dps/integration-dto";
import { encryptSecret } from "@/lib/secrets/envelope";
import { integrationKeyContext } from "@/lib/secrets/encrypted-columns";
import { currentKek } from "@/lib/secrets/secret-key";
import { configureProvisioningEngine } from "../../lib/provisioning/engine";
import type { EngineSettings } from "../../lib/provisioning/settings";

export {
  FLEET_PRIMARY_KEY,
  FLEET_SECONDARY_KEY,
  HUB_A,
  HUB_B,
  testConfig,
} from "@/tests/support/dps-emulator";

/** Saves the DPS connection the way the Connect dialog does (keys encrypted), pointing at `emulator`. */
export async function connectDps(
  emulator: TestEmulator,
  options: {
    primaryKey?: string;
    secondaryKey?: string | null;
    registrationsPerMinute?: number;
    operationsPerMinute?: number;
  } = {},
): Promise<void> {
  const group = emulator.config.enrollmentGroups[0]!;
  const kek = currentKek();
  const primary = options.primaryKey ?? group.primaryKey;
  const secondary = options.secondaryKey === undefined ? null : options.secondaryKey;
  const values = {
    idScope: emulator.idScope,
    host: `127.0.0.1:${emulator.port}`,
    registrationsPerMinute: options.registrationsPerMinute ?? 0,
    operationsPerMinute: options.operationsPerMinute ?? 0,
    primaryKeyCiphertext: encryptSecret(primary, kek, integrationKeyContext(DPS_INTEGRATION_ID, "primary")),
    secondaryKeyCiphertext: secondary
      ? encryptSecret(secondary, kek, integrationKeyContext(DPS_INTEGRATION_ID, "secondary"))
      : null,
    updatedAt: new Date(),
  };
  // A new version, as every save makes: a refusal of the keys saved before no longer applies.
  await getDb()
    .insert(integrations)
    .values({ id: DPS_INTEGRATION_ID, ...values, version: 1 })
    .onConflictDoUpdate({
      target: integrations.id,
      set: { ...values, version: sql`${integrations.version} + 1` },
    });
}

/**
 * Saves a service connection string for `policy` of `emulator` (key encrypted), the rights it was
 * found to have and the enrollment group, as a save followed by a check would.
 */
export async function connectDpsService(
  emulator: TestEmulator,
  policy: { name: string; primaryKey: string; rights?: readonly string[] },
  options: { enrollmentGroupId?: string | null } = {},
): Promise<void> {
  const rights = policy.rights ?? [
    "enrollmentRead",
    "enrollmentWrite",
    "registrationStatusRead",
    "registrationStatusWrite",
  ];
  const values = {
    serviceHost: `localhost:${emulator.port}`,
    servicePolicyName: policy.name,
    serviceKeyCiphertext: encryptSecret(
      policy.primaryKey,
      currentKek(),
      integrationKeyContext(DPS_INTEGRATION_ID, "service"),
    ),
    serviceRights: {
      enrollmentRead: rights.includes("enrollmentRead"),
      enrollmentWrite: null,
      registrationStatusRead: rights.includes("registrationStatusRead"),
      registrationStatusWrite: rights.includes("registrationStatusWrite"),
    },
    serviceCheckedAt: new Date(),
    enrollmentGroupId:
      options.enrollmentGroupId === undefined
        ? emulator.config.enrollmentGroups[0]!.enrollmentGroupId
        : options.enrollmentGroupId,
    enrollmentGroupSource: "found-by-key" as const,
  };
  await getDb().update(integrations).set(values);
}

export async function disconnectDps(): Promise<void> {
  await getDb().update(integrations).set({ primaryKeyCiphertext: null, secondaryKeyCiphertext: null });
}

/** The emulator from dps-emulator's test support, with this engine trusting its CA. */
export async function startEmulatorAndEngine(
  config: Partial<EmulatorConfigInput> = {},
  settings: Partial<EngineSettings> = {},
): Promise<TestEmulator> {
  const emulator = await startTestEmulator(testConfig(config));
  configureProvisioningEngine({
    fetch: createDpsFetch({ caPem: emulator.caPem }),
    settings: { retryBaseMs: 100, retryMaxMs: 1_000, pollIntervalMs: 100, ...settings },
  });
  return emulator;
}

/** Inserts `count` devices `${prefix}-0000…` in one statement and returns their ids in order. */
export async function insertDevices(count: number, prefix: string): Promise<number[]> {
  const { rows } = await getDb().$client.query<{ id: string }>(
    `insert into devices (registration_id, created_by_email)
     select $2 || '-' || lpad(i::text, 5, '0'), 'test' from generate_series(0, $1 - 1) i
     returning id`,
    [count, prefix],
  );
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function countByStatus(): Promise<Record<string, number>> {
  const { rows } = await getDb().$client.query<{ status: string; n: string }>(
    "select status, count(*) as n from devices group by status",
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** `npm run worker` as a child process against this test's database and emulator. */
export function spawnWorker(emulator: TestEmulator, extra: Record<string, string> = {}): ChildProcess {
  const dataDir = mkdtempSync(path.join(tmpdir(), "hic-worker-"));
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: path.resolve(__dirname, "../.."),
    env: childProcessEnv({
      DATABASE_URL: env().DATABASE_URL,
      HIC_SECRET_KEY: env().HIC_SECRET_KEY,
      HIC_DATA_DIR: dataDir,
      // The emulator is reached like the launcher's: allowed by the host policy, its CA trusted for it alone.
      HIC_DPS_EMULATOR_HOST: `127.0.0.1:${emulator.port}`,
      HIC_DPS_EMULATOR_CA_FILE: emulator.caFile,
      HIC_WORKER_POLL_MS: "100",
      LOG_LEVEL: "warn",
      ...extra,
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.once("exit", () => rmSync(dataDir, { recursive: true, force: true }));
  child.stdout?.on("data", () => {});
  child.stderr?.on("data", (chunk: Buffer) =>
    process.stderr.write(`[worker ${child.pid}] ${chunk.toString()}`),
  );
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
