import type pg from "pg";
import { isDatabaseUnreachable } from "@/db/connection-errors";
import type { DpsCredentials } from "@/lib/dps/credentials";
import { logger } from "@/lib/logger";
import { readProvisioningPaused } from "./control";
import { engineDomains } from "./domains";
import { forgetStaleRefusal, readCircuit, type CircuitRow } from "./health/circuit-store";
import { slotCosts, type SlotCosts } from "./pacing/rate-limiter";

/** DPS as the engine treats it now: send work, wait for it to answer again, or wait for a working key. */
export type DpsAvailability = "available" | "unreachable" | "key-refused";

export type GateState = {
  paused: boolean;
  /** Null while DPS is not connected (or its stored key cannot be decrypted): nothing calls DPS. */
  credentials: DpsCredentials | null;
  costs: SlotCosts | null;
  circuit: CircuitRow;
  dps: DpsAvailability;
};

async function loadCredentialsSafely(): Promise<DpsCredentials | null> {
  // Outside the try: an engine nobody wired is a mistake to surface, not a DPS that is not connected.
  const { loadDpsCredentials } = engineDomains();
  try {
    return await loadDpsCredentials();
  } catch (error) {
    // The database is away: that is the gate's failure to read, not a bad key.
    if (isDatabaseUnreachable(error)) throw error;
    // A key saved under another HIC_SECRET_KEY: the tile says so; the engine waits like when disconnected.
    logger.error(
      { err: { name: (error as Error).name, message: (error as Error).message } },
      "cannot load the DPS credentials; provisioning waits",
    );
    return null;
  }
}

/** A refusal counts only for the keys it refused: saving the integration (a new version) ends it. */
export function dpsAvailability(circuit: CircuitRow, credentials: DpsCredentials | null): DpsAvailability {
  if (circuit.state === "open") return "unreachable";
  if (
    circuit.state === "key-refused" &&
    credentials &&
    circuit.refusedVersion !== null &&
    circuit.refusedVersion >= credentials.version
  )
    return "key-refused";
  return "available";
}

/**
 * Whether this process may call DPS now, and with which credentials and pacing. Cached briefly so
 * the hot path does not read three rows per device; pause, resume, disconnect and DPS's health
 * reach every worker within `maxAgeMs` (at once where a notification invalidates the cache).
 */
export class EngineGate {
  private cached: { at: number; state: GateState } | null = null;
  private loading: Promise<GateState> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    /** Sees every state read (the circuit reporter learns of a fleet-wide failure streak this way). */
    private readonly onLoad: (state: GateState) => void = () => {},
  ) {}

  async read(maxAgeMs = 1_000): Promise<GateState> {
    if (this.cached && Date.now() - this.cached.at <= maxAgeMs) return this.cached.state;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** The last state read, without a round trip (for pacing extra requests inside a DPS call). */
  last(): GateState | null {
    return this.cached?.state ?? null;
  }

  invalidate(): void {
    this.cached = null;
  }

  private async load(): Promise<GateState> {
    const [paused, credentials, circuit] = await Promise.all([
      readProvisioningPaused(),
      loadCredentialsSafely(),
      readCircuit(this.pool),
    ]);
    const dps = dpsAvailability(circuit, credentials);
    if (circuit.state === "key-refused" && credentials && dps === "available") {
      await forgetStaleRefusal(this.pool, credentials.version).catch(() => {});
    }
    const state = { paused, credentials, costs: credentials ? slotCosts(credentials) : null, circuit, dps };
    this.cached = { at: Date.now(), state };
    this.onLoad(state);
    return state;
  }
}
