import { mkdir } from "node:fs/promises";
import path from "node:path";
import { JsonFileWriter, readJsonFileField } from "../json-file";

import type { DeviceIdentity } from "./identity";

export const IDENTITIES_FILE = "iot-hub-identities.json";

type Log = (message: string) => void;

/**
 * Every hub's identity registry in memory, written to `<dataDir>/iot-hub-identities.json` like the
 * DPS emulator's registration records (emulators/json-file.ts: atomically, on a coalescing timer
 * and on close; requests never wait for the disk).
 */
export class IdentityStore {
  /** hub host (lower case) → device ID (lower case, as IoT Hub's IDs are case-insensitive) → identity. */
  private readonly hubs = new Map<string, Map<string, DeviceIdentity>>();
  private readonly file: JsonFileWriter;

  private constructor(
    private readonly filePath: string,
    private readonly log: Log,
  ) {
    this.file = new JsonFileWriter(filePath, "hub identities", () => this.snapshot(), log);
  }

  private snapshot(): unknown {
    const hubs: Record<string, DeviceIdentity[]> = {};
    for (const [hub, registry] of this.hubs) hubs[hub] = [...registry.values()];
    return { version: 1, hubs };
  }

  static async open(dataDir: string, log: Log): Promise<IdentityStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const store = new IdentityStore(path.join(dataDir, IDENTITIES_FILE), log);
    await store.load();
    return store;
  }

  /** Hub host names that hold identities (a hub keeps answering after DPS unlinks it, as in Azure). */
  hubNames(): string[] {
    return [...this.hubs.keys()];
  }

  registry(hub: string): Map<string, DeviceIdentity> {
    const key = hub.toLowerCase();
    let registry = this.hubs.get(key);
    if (registry === undefined) {
      registry = new Map();
      this.hubs.set(key, registry);
    }
    return registry;
  }

  get(hub: string, deviceId: string): DeviceIdentity | undefined {
    return this.hubs.get(hub.toLowerCase())?.get(deviceId.toLowerCase());
  }

  put(hub: string, identity: DeviceIdentity): void {
    this.registry(hub).set(identity.deviceId.toLowerCase(), identity);
    this.markDirty();
  }

  delete(hub: string, deviceId: string): boolean {
    const deleted = this.hubs.get(hub.toLowerCase())?.delete(deviceId.toLowerCase()) ?? false;
    if (deleted) this.markDirty();
    return deleted;
  }

  /** For changes made in place (connection state, twin versions). */
  touched(): void {
    this.markDirty();
  }

  clear(): void {
    this.hubs.clear();
    this.markDirty();
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  private markDirty(): void {
    this.file.markDirty();
  }

  private async load(): Promise<void> {
    const hubs = await readJsonFileField(
      this.filePath,
      "hubs",
      (value): value is Record<string, unknown> => typeof value === "object" && value !== null,
      "a hub identities",
      this.log,
    );
    if (hubs === undefined) return;
    for (const [hub, identities] of Object.entries(hubs)) {
      if (!Array.isArray(identities)) continue;
      const registry = this.registry(hub);
      for (const identity of identities as DeviceIdentity[]) {
        if (typeof identity?.deviceId !== "string") continue;
        // Nobody is connected to a hub that was not running.
        identity.connectionState = "Disconnected";
        registry.set(identity.deviceId.toLowerCase(), identity);
      }
    }
  }
}
