import { readFile, rename, writeFile } from "node:fs/promises";

/**
 * How the emulators keep their state on disk (the DPS emulator's registration records, the IoT
 * Hub's identity registries): all of it in memory, written whole as one JSON file atomically (temp
 * file + rename) on a coalescing timer and on stop. Requests never wait for the disk.
 */

type Log = (message: string) => void;

const MIN_SAVE_DELAY_MS = 250;
/** Saving may take at most about a tenth of the time, so a big store under load does not starve requests. */
const SAVE_COST_FACTOR = 10;

export class JsonFileWriter {
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<boolean> | null = null;
  private dirty = false;
  private lastSaveMs = 0;

  /**
   * @param what what the file holds, for log lines ("registrations")
   * @param snapshot the whole content to write, taken when a save starts
   */
  constructor(
    private readonly filePath: string,
    private readonly what: string,
    private readonly snapshot: () => unknown,
    private readonly log: Log,
  ) {}

  /** Something changed: a save follows soon, after the one in progress if any. */
  markDirty(): void {
    this.dirty = true;
    if (this.saveTimer !== null || this.saving !== null) return;
    const delay = Math.max(MIN_SAVE_DELAY_MS, this.lastSaveMs * SAVE_COST_FACTOR);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, delay);
    this.saveTimer.unref();
  }

  /** Writes pending changes now; used on stop so nothing acknowledged to a client is lost. */
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

  private save(): Promise<boolean> {
    const started = performance.now();
    this.dirty = false;
    const text = JSON.stringify(this.snapshot());
    const temporary = `${this.filePath}.${process.pid}.tmp`;
    this.saving = writeFile(temporary, text, { mode: 0o600 })
      .then(() => rename(temporary, this.filePath))
      .then(
        () => true,
        (error: unknown) => {
          this.dirty = true;
          this.log(
            `could not save ${this.what} to ${this.filePath}: ${error instanceof Error ? error.message : String(error)}`,
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
}

/**
 * The file's top-level `field`, when the file is there (undefined when it is not). A file that is
 * not JSON, or whose `field` fails `valid`, is moved aside (kept for a look) and the store starts
 * empty, with a log line saying so.
 */
export async function readJsonFileField<T>(
  filePath: string,
  field: string,
  valid: (value: unknown) => value is T,
  what: string,
  log: Log,
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as Record<string, unknown>)[field];
  } catch {
    value = undefined;
  }
  if (valid(value)) return value;
  const aside = `${filePath}.unreadable-${Date.now()}`;
  await rename(filePath, aside);
  log(`${filePath} was not ${what} file; moved it to ${aside} and started empty`);
  return undefined;
}
