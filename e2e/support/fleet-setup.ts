import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pickPort } from "@/ops/postgres/free-port";
import { queryOn } from "@/tests/support/query-on";
import type { Emulator, Instance } from "./fleet";

/**
 * Setting up a fleet for a spec: an empty database of its own, the secrets every instance must
 * share, each instance's settings and data directory, and starting several instances at once.
 */

/** The secrets every instance of one deployment shares (npm test passes the build's actions key). */
export function fleetSecrets() {
  return {
    AUTH_SECRET: randomBytes(32).toString("base64"),
    HIC_SECRET_KEY: randomBytes(32).toString("base64"),
    NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: process.env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY ?? "",
  };
}

/** A directory the embedded PostgreSQL (another user) can reach. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** An empty database `<prefix>_<random>` beside the tests' own; its URL. */
export async function createFleetDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  await queryOn(process.env.E2E_DATABASE_URL, `create database ${name}`);
  const url = new URL(process.env.E2E_DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropFleetDatabase(databaseUrl: string): Promise<void> {
  await queryOn(
    process.env.E2E_DATABASE_URL,
    `drop database if exists ${new URL(databaseUrl).pathname.slice(1)} with (force)`,
  );
}

/**
 * What every instance of a spec's fleet is started with: its role, the shared database and secrets,
 * a data directory of its own (added to `dataDirs`, for removal), a free port, the emulator as a
 * separate service and the first administrator.
 */
export async function fleetInstanceEnv(options: {
  role: "web" | "worker";
  databaseUrl: string;
  secrets: Record<string, string>;
  emulator: Emulator;
  admin: { email: string; password: string };
  dataDirPrefix: string;
  dataDirs: string[];
}): Promise<Record<string, string>> {
  const dataDir = tempDir(`${options.dataDirPrefix}-${options.role}-`);
  options.dataDirs.push(dataDir);
  return {
    ...options.secrets,
    HIC_ROLE: options.role,
    DATABASE_URL: options.databaseUrl,
    HIC_DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: String(await pickPort(0)),
    HIC_DPS_EMULATOR: "off",
    HIC_DPS_EMULATOR_HOST: options.emulator.host,
    HIC_DPS_EMULATOR_CA_FILE: options.emulator.caFile,
    HIC_ADMIN_EMAIL: options.admin.email,
    HIC_ADMIN_PASSWORD: options.admin.password,
  };
}

/** Starts instances together; every one that started is added to `instances` (to stop), and the first failure is thrown. */
export async function startTogether(instances: Instance[], starts: Promise<Instance>[]): Promise<void> {
  const started = await Promise.allSettled(starts);
  for (const outcome of started) if (outcome.status === "fulfilled") instances.push(outcome.value);
  for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason;
}
