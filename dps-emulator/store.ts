import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

import type { Substatus } from "./reprovisioning";

export type RegistrationStatus = "assigned" | "failed" | "disabled";

/** What the emulator remembers about one device; registrationState (the wire shape) is derived from it. */
export type RegistrationRecord = {
  registrationId: string;
  enrollmentGroupId: string;
  status: RegistrationStatus;
  substatus?: Substatus;
  /** Kept when a later attempt fails, because the device is still on that hub and the next re-registration is judged against it. */
  assignedHub?: string;
  deviceId?: string;
  createdDateTimeUtc: string;
  lastUpdatedDateTimeUtc: string;
  etag: string;
  payload?: unknown;
  errorCode?: number;
  errorMessage?: string;
};

export type RegistrationState = {
  registrationId: string;
  createdDateTimeUtc: string;
  assignedHub?: string;
  deviceId?: string;
  status: RegistrationStatus;
  substatus?: Substatus;
  lastUpdatedDateTimeUtc: string;
  etag: string;
  payload?: unknown;
  errorCode?: number;
  errorMessage?: string;
  symmetricKey: { enrollmentGroupId: string };
};

export function toRegistrationState(record: RegistrationRecord): RegistrationState {
  const assigned = record.status === "assigned";
  return {
    registrationId: record.registrationId,
    createdDateTimeUtc: record.createdDateTimeUtc,
    ...(assigned ? { assignedHub: record.assignedHub, deviceId: record.deviceId, substatus: record.substatus } : {}),
    status: record.status,
    lastUpdatedDateTimeUtc: record.lastUpdatedDateTimeUtc,
    etag: record.etag,
    ...(assigned && record.payload !== undefined ? { payload: record.payload } : {}),
    ...(record.errorCode !== undefined ? { errorCode: record.errorCode, errorMessage: record.errorMessage } : {}),
    symmetricKey: { enrollmentGroupId: record.enrollmentGroupId },
  };
}

export type RegistrationPage = { items: RegistrationRecord[]; continuationToken: string | null; total: number };

const FILE_NAME = "registrations.json";
const MIN_SAVE_DELAY_MS = 250;
/** Saving may take at most about a tenth of the time, so big stores under benchmark load do not starve requests. */
const SAVE_COST_FACTOR = 10;

type Log = (message: string) => void;

/**
 * Registration records in memory, written to `<dataDir>/registrations.json` atomically (temp file +
 * rename) on a coalescing timer and on close; requests never wait for the disk.
 */
export class RegistrationStore {
  private readonly records = new Map<string, RegistrationRecord>();
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<boolean> | null = null;
  private dirty = false;
  private lastSaveMs = 0;

  private constructor(
    private readonly filePath: string,
    private readonly log: Log,
  ) {}

  static async open(dataDir: string, log: Log): Promise<RegistrationStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const store = new RegistrationStore(path.join(dataDir, FILE_NAME), log);
    await store.load();
    return store;
  }

  get size(): number {
    return this.records.size;
  }

  get(registrationId: string): RegistrationRecord | undefined {
    return this.records.get(registrationId.toLowerCase());
  }

  put(record: RegistrationRecord): void {
    this.records.set(record.registrationId.toLowerCase(), record);
    this.markDirty();
  }

  clear(): void {
    this.records.clear();
    this.markDirty();
  }

  list(query: { prefix?: string; top?: number; continuationToken?: string | null } = {}): RegistrationPage {
    const prefix = (query.prefix ?? "").toLowerCase();
    const top = Math.min(Math.max(1, Math.floor(query.top ?? 100)), 1000);
    const after = query.continuationToken?.toLowerCase() ?? null;
    const keys = [...this.records.keys()].filter((key) => key.startsWith(prefix)).sort();
    const start = after === null ? 0 : keys.findIndex((key) => key > after);
    const pageKeys = start === -1 ? [] : keys.slice(start, start + top);
    const lastKey = pageKeys.at(-1);
    const more = lastKey !== undefined && keys.at(-1) !== lastKey;
    return {
      items: pageKeys.flatMap((key) => this.records.get(key) ?? []),
      continuationToken: more ? lastKey : null,
      total: keys.length,
    };
  }

  /** Writes pending changes now; used on stop so nothing acknowledged to a device is lost. */
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
      if (!(await this.save())) break;
    }
    // A failed final write was logged; no retry timer may outlive the caller's stop().
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.saveTimer !== null || this.saving !== null) return;
    const delay = Math.max(MIN_SAVE_DELAY_MS, this.lastSaveMs * SAVE_COST_FACTOR);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, delay);
    this.saveTimer.unref();
  }

  private save(): Promise<boolean> {
    const started = performance.now();
    this.dirty = false;
    const text = JSON.stringify({ version: 1, registrations: [...this.records.values()] });
    const temporary = `${this.filePath}.${process.pid}.tmp`;
    this.saving = writeFile(temporary, text, { mode: 0o600 })
      .then(() => rename(temporary, this.filePath))
      .then(
        () => true,
        (error: unknown) => {
          this.dirty = true;
          this.log(`could not save registrations to ${this.filePath}: ${error instanceof Error ? error.message : String(error)}`);
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
    let registrations: unknown;
    try {
      registrations = (JSON.parse(text) as { registrations?: unknown }).registrations;
    } catch {
      registrations = undefined;
    }
    if (!Array.isArray(registrations)) {
      const aside = `${this.filePath}.unreadable-${Date.now()}`;
      await rename(this.filePath, aside);
      this.log(`${this.filePath} was not a registrations file; moved it to ${aside} and started empty`);
      return;
    }
    for (const record of registrations as RegistrationRecord[]) {
      if (typeof record?.registrationId === "string") this.records.set(record.registrationId.toLowerCase(), record);
    }
  }
}
