import { env } from "@/lib/env";

/**
 * How many imports run at once in this web server, overall and per user. An import reads its
 * upload as it arrives, so a slow one is cheap but long: without a limit, a few slow uploads
 * would take every slot the server has. Counted per process (each web server guards itself).
 */
export type ImportSlot = { release: () => void };

export type SlotRefusal = { scope: "user" | "server"; limit: number; retryAfterSeconds: number };

export class ImportSlots {
  private running = 0;
  private readonly perUser = new Map<string, number>();

  constructor(private readonly limits: () => { global: number; perUser: number }) {}

  /** A slot for `userKey`, or why there is none. */
  take(userKey: string): ImportSlot | SlotRefusal {
    const { global, perUser } = this.limits();
    const mine = this.perUser.get(userKey) ?? 0;
    // An import of a large file takes tens of seconds; asking again sooner only adds load.
    if (mine >= perUser) return { scope: "user", limit: perUser, retryAfterSeconds: 30 };
    if (this.running >= global) return { scope: "server", limit: global, retryAfterSeconds: 30 };
    this.running++;
    this.perUser.set(userKey, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        const left = (this.perUser.get(userKey) ?? 1) - 1;
        if (left > 0) this.perUser.set(userKey, left);
        else this.perUser.delete(userKey);
      },
    };
  }

  get active(): number {
    return this.running;
  }
}

export function slotRefusalMessage(refusal: SlotRefusal): string {
  return refusal.scope === "user"
    ? `You already have ${refusal.limit} import${refusal.limit === 1 ? "" : "s"} running (HIC_IMPORT_MAX_PER_USER). Wait for ${refusal.limit === 1 ? "it" : "one"} to finish, then import this file.`
    : `The server is already running ${refusal.limit} imports (HIC_IMPORT_MAX_CONCURRENT). Try again in a minute.`;
}

/** No slot free: the route answers 429 with `Retry-After`. */
export class ImportBusy extends Error {
  constructor(readonly refusal: SlotRefusal) {
    super(slotRefusalMessage(refusal));
  }
}

const key = Symbol.for("hic.importSlots");
type WithSlots = typeof globalThis & { [key]?: ImportSlots };

/** This process's slots, sized by HIC_IMPORT_MAX_CONCURRENT and HIC_IMPORT_MAX_PER_USER (read on every take). */
export function importSlots(): ImportSlots {
  const holder = globalThis as WithSlots;
  holder[key] ??= new ImportSlots(() => ({
    global: env().HIC_IMPORT_MAX_CONCURRENT,
    perUser: env().HIC_IMPORT_MAX_PER_USER,
  }));
  return holder[key];
}
