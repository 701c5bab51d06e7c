import { loadDpsCredentials, type DpsCredentials } from "@/lib/integrations/azure-dps/credentials";
import { logger } from "@/lib/logger";
import { readProvisioningPaused } from "./control";
import { slotCosts, type SlotCosts } from "./pacing/rate-limiter";

export type GateState = {
  paused: boolean;
  /** Null while DPS is not connected (or its stored key cannot be decrypted): nothing calls DPS. */
  credentials: DpsCredentials | null;
  costs: SlotCosts | null;
};

async function loadCredentialsSafely(): Promise<DpsCredentials | null> {
  try {
    return await loadDpsCredentials();
  } catch (error) {
    // A key saved under another HIC_SECRET_KEY: the tile says so; the engine waits like when disconnected.
    logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, "cannot load the DPS credentials; provisioning waits");
    return null;
  }
}

/**
 * Whether this process may call DPS now, and with which credentials and pacing. Cached briefly so
 * the hot path does not read two rows per device; pause, resume and disconnect reach every worker
 * within `maxAgeMs`.
 */
export class EngineGate {
  private cached: { at: number; state: GateState } | null = null;
  private loading: Promise<GateState> | null = null;

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
    const [paused, credentials] = await Promise.all([readProvisioningPaused(), loadCredentialsSafely()]);
    const state = { paused, credentials, costs: credentials ? slotCosts(credentials) : null };
    this.cached = { at: Date.now(), state };
    return state;
  }
}
