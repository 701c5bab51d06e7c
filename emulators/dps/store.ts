import { mkdir } from "node:fs/promises";
import path from "node:path";
import { JsonFileWriter, readJsonFileField } from "../json-file";

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
    ...(assigned
      ? { assignedHub: record.assignedHub, deviceId: record.deviceId, substatus: record.substatus }
      : {}),
    status: record.status,
    lastUpdatedDateTimeUtc: record.lastUpdatedDateTimeUtc,
    etag: record.etag,
    ...(assigned && record.payload !== undefined ? { payload: record.payload } : {}),
    ...(record.errorCode !== undefined
      ? { errorCode: record.errorCode, errorMessage: record.errorMessage }
      : {}),
    symmetricKey: { enrollmentGroupId: record.enrollmentGroupId },
  };
}

/** The service API's shape of a record (docs/dps-protocol.md §8.3): like the device API's, without the group. */
export type ServiceRegistrationState = Omit<RegistrationState, "symmetricKey">;

export function toServiceRegistrationState(record: RegistrationRecord): ServiceRegistrationState {
  const state: Partial<RegistrationState> = toRegistrationState(record);
  delete state.symmetricKey;
  return state as ServiceRegistrationState;
}

export type RegistrationPage = {
  items: RegistrationRecord[];
  continuationToken: string | null;
  total: number;
};

/** Opaque to clients, like DPS's: it carries the last key of the page, so a page is found by binary search. */
export function encodeContinuation(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

export function decodeContinuation(token: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(token)) return null;
  return Buffer.from(token, "base64url").toString("utf8");
}

const FILE_NAME = "registrations.json";

type Log = (message: string) => void;

/**
 * Registration records in memory, written to `<dataDir>/registrations.json` (emulators/json-file.ts:
 * atomically, on a coalescing timer and on close; requests never wait for the disk).
 */
export class RegistrationStore {
  private readonly records = new Map<string, RegistrationRecord>();
  /** Keys in order, rebuilt lazily after an insert or delete (not after an update), so paging a big store costs a binary search per page. */
  private sorted: string[] | null = null;
  private readonly file: JsonFileWriter;

  private constructor(
    private readonly filePath: string,
    private readonly log: Log,
  ) {
    this.file = new JsonFileWriter(
      filePath,
      "registrations",
      () => ({ version: 1, registrations: [...this.records.values()] }),
      log,
    );
  }

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
    const key = record.registrationId.toLowerCase();
    if (!this.records.has(key)) this.sorted = null;
    this.records.set(key, record);
    this.markDirty();
  }

  /** True when there was a record to delete. */
  delete(registrationId: string): boolean {
    const deleted = this.records.delete(registrationId.toLowerCase());
    if (deleted) {
      this.sorted = null;
      this.markDirty();
    }
    return deleted;
  }

  clear(): void {
    this.records.clear();
    this.sorted = null;
    this.markDirty();
  }

  private sortedKeys(): string[] {
    this.sorted ??= [...this.records.keys()].sort();
    return this.sorted;
  }

  /** Index of the first key greater than `after` (or at least `from` when `after` is null). */
  private startIndex(keys: string[], bound: string, inclusive: boolean): number {
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const key = keys[mid]!;
      if (inclusive ? key < bound : key <= bound) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The admin API's listing: by prefix, in key order; its token is the last key, readable for tests. */
  list(query: { prefix?: string; top?: number; continuationToken?: string | null } = {}): RegistrationPage {
    const prefix = (query.prefix ?? "").toLowerCase();
    const top = Math.min(Math.max(1, Math.floor(query.top ?? 100)), 1000);
    const after = query.continuationToken?.toLowerCase() ?? null;
    const keys = this.sortedKeys();
    const first = this.startIndex(keys, prefix, true);
    const end = this.startIndex(keys, `${prefix}\uffff`, true);
    const start = after === null ? first : Math.max(first, this.startIndex(keys, after, false));
    const pageKeys = keys.slice(start, Math.min(end, start + top));
    const lastKey = pageKeys.at(-1);
    const more = lastKey !== undefined && start + pageKeys.length < end;
    return {
      items: pageKeys.flatMap((key) => this.records.get(key) ?? []),
      continuationToken: more ? lastKey : null,
      total: end - first,
    };
  }

  /**
   * One page of a group's records in key order, for the service API's query. The continuation token
   * is opaque; `null` when this page holds the group's last record.
   */
  listGroup(
    enrollmentGroupId: string,
    query: { top: number; continuationToken?: string | null },
  ): { items: RegistrationRecord[]; continuationToken: string | null } | null {
    const keys = this.sortedKeys();
    let start = 0;
    if (query.continuationToken) {
      const after = decodeContinuation(query.continuationToken);
      if (after === null) return null;
      start = this.startIndex(keys, after, false);
    }
    const items: RegistrationRecord[] = [];
    let index = start;
    for (; index < keys.length && items.length < query.top; index += 1) {
      const record = this.records.get(keys[index]!);
      if (record?.enrollmentGroupId === enrollmentGroupId) items.push(record);
    }
    // Another record of the group further on? Stop looking at the first one.
    let more = false;
    for (let next = index; next < keys.length; next += 1) {
      if (this.records.get(keys[next]!)?.enrollmentGroupId === enrollmentGroupId) {
        more = true;
        break;
      }
    }
    const last = items.at(-1);
    return {
      items,
      continuationToken: more && last ? encodeContinuation(last.registrationId.toLowerCase()) : null,
    };
  }

  /** Writes pending changes now; used on stop so nothing acknowledged to a device is lost. */
  flush(): Promise<void> {
    return this.file.flush();
  }

  private markDirty(): void {
    this.file.markDirty();
  }

  private async load(): Promise<void> {
    const registrations = await readJsonFileField(
      this.filePath,
      "registrations",
      Array.isArray,
      "a registrations",
      this.log,
    );
    for (const record of (registrations ?? []) as RegistrationRecord[]) {
      if (typeof record?.registrationId === "string")
        this.records.set(record.registrationId.toLowerCase(), record);
    }
  }
}
