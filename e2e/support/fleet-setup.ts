import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pickPort } from "@/ops/postgres/free-port";
import { queryOn } from "@/tests/support/query-on";
import { startEmulator, type Emulator, type Instance } from "./fleet";

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
 * A spec's fleet stage: an empty database of its own beside the tests' (`hic_<name>_<random>`), the
 * DPS emulator as a service of its own, the secrets every instance shares, and each instance's
 * settings with a data directory of its own (and any other folder a spec asks it for); `stop`
 * removes them all.
 */
export class FleetStage {
  readonly secrets = fleetSecrets();
  databaseUrl = "";
  emulator: Emulator | null = null;
  private readonly folders: string[] = [];

  constructor(
    private readonly name: string,
    private readonly admin: { email: string; password: string },
  ) {}

  async start(): Promise<{ databaseUrl: string; emulator: Emulator }> {
    this.databaseUrl = await createFleetDatabase(`hic_${this.name}`);
    this.emulator = await startEmulator(this.folder("emulator"));
    return { databaseUrl: this.databaseUrl, emulator: this.emulator };
  }

  /** A fresh folder `hic-<name>-<purpose>-…` the stage removes when it stops. */
  folder(purpose: string): string {
    const dir = tempDir(`hic-${this.name}-${purpose}-`);
    this.folders.push(dir);
    return dir;
  }

  /** What every instance is started with: its role, the shared database and secrets, a free port, the emulator, the first administrator. */
  async instanceEnv(role: "web" | "worker"): Promise<Record<string, string>> {
    const dataDir = this.folder(role);
    return {
      ...this.secrets,
      HIC_ROLE: role,
      DATABASE_URL: this.databaseUrl,
      HIC_DATA_DIR: dataDir,
      HOST: "127.0.0.1",
      PORT: String(await pickPort(0)),
      HIC_DPS_EMULATOR: "off",
      HIC_DPS_EMULATOR_HOST: this.emulator!.host,
      HIC_DPS_EMULATOR_CA_FILE: this.emulator!.caFile,
      HIC_ADMIN_EMAIL: this.admin.email,
      HIC_ADMIN_PASSWORD: this.admin.password,
    };
  }

  /** After the instances have stopped. */
  async stop(): Promise<void> {
    await this.emulator?.stop();
    for (const dir of this.folders) rmSync(dir, { recursive: true, force: true });
    if (this.databaseUrl) await dropFleetDatabase(this.databaseUrl);
  }
}

/** Starts instances together; every one that started is added to `instances` (to stop), and the first failure is thrown. */
export async function startTogether(instances: Instance[], starts: Promise<Instance>[]): Promise<void> {
  const started = await Promise.allSettled(starts);
  for (const outcome of started) if (outcome.status === "fulfilled") instances.push(outcome.value);
  for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason;
}
