import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

import type { DeviceIdentity } from "./identity";

export const IDENTITIES_FILE = "iot-hub-identities.json";
const MIN_SAVE_DELAY_MS = 250;
/** Saving may take at most about a tenth of the time, so a big registry under load does not starve devices. */
const SAVE_COST_FACTOR = 10;

type Log = (message: string) => void;

/**
 * Every hub's identity registry in memory, written to `<dataDir>/iot-hub-identities.json`
 * atomically (temp file + rename) on a coalescing timer and on close, like the DPS emulator's
 * registration records: requests never wait for the disk.
 */
export class IdentityStore {
  /** hub host (lower case) → device ID (lower case, as IoT Hub's IDs are case-insensitive) → identity. */
  private readonly hubs = new Map<string, Map<string, DeviceIdentity>>();
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<boolean> | null = null;
  private dirty = false;
  private lastSaveMs = 0;

  private constructor(
    private readonly filePath: string,
    private readonly log: Log,
  ) {}

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

  async flush(): Promise<void> {
    for (;;) {
      if (this.saveTimer !== null) {
        clearTimeout(this.saveTimer);
        this.saveTimer = null;
      }
      if (this.saving !== null) {
        await this.saving;
        continue;
      }
      if (!this.dirty) return;
      if (!(await this.save())) return;
    }
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.saveTimer !== null || this.saving !== null) return;
    this.saveTimer = setTimeout(
      () => {
        this.saveTimer = null;
        void this.save();
      },
      Math.max(MIN_SAVE_DELAY_MS, this.lastSaveMs * SAVE_COST_FACTOR),
    );
    this.saveTimer.unref();
  }

  private save(): Promise<boolean> {
    const started = performance.now();
    this.dirty = false;
    const hubs: Record<string, DeviceIdentity[]> = {};
    for (const [hub, registry] of this.hubs) hubs[hub] = [...registry.values()];
    const text = JSON.stringify({ version: 1, hubs });
    const temporary = `${this.filePath}.${process.pid}.tmp`;
    this.saving = writeFile(temporary, text, { mode: 0o600 })
      .then(() => rename(temporary, this.filePath))
      .then(
        () => true,
        (error: unknown) => {
          this.dirty = true;
          this.log(
            `could not save hub identities to ${this.filePath}: ${error instanceof Error ? error.message : String(error)}`,
          );
          return false;
        },
      )
      .finally(() => {
        this.lastSaveMs = performance.now() - started;
        this.saving = null;
        if (this.dirty) this.markDirty();
      });
    return this.saving;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.filePath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    let hubs: unknown;
    try {
      hubs = (JSON.parse(text) as { hubs?: unknown }).hubs;
    } catch {
      hubs = undefined;
    }
    if (typeof hubs !== "object" || hubs === null) {
      const aside = `${this.filePath}.unreadable-${Date.now()}`;
      await rename(this.filePath, aside);
      this.log(`${this.filePath} was not a hub identities file; moved it to ${aside} and started empty`);
      return;
    }
    for (const [hub, identities] of Object.entries(hubs as Record<string, unknown>)) {
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
