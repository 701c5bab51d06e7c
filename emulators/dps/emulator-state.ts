import { RegistrationAuthenticator } from "./authentication";
import type { EmulatorConfig } from "./config";
import { RequestCounters } from "./counters";
import type { RandomSource } from "./faults";
import { QuotaGate } from "./quotas";
import { ProvisioningService } from "./registrations";
import type { RegistrationStore } from "./store";
import { newInstanceTag, timestampUtc } from "./wire-format";

export type EmulatorLog = (message: string) => void;

/** Everything one running emulator knows; the device API, the admin API and the programmatic handle share it. */
export class EmulatorState {
  private current: EmulatorConfig;
  /** What the service API reports as the groups' creation and last change (the emulator keeps no per-group history). */
  readonly startedAtUtc: string;
  private changedAtUtc: string;
  readonly counters = new RequestCounters();
  readonly quotas: QuotaGate;
  readonly authenticator: RegistrationAuthenticator;
  readonly service: ProvisioningService;

  constructor(
    readonly startupConfig: EmulatorConfig,
    readonly store: RegistrationStore,
    readonly random: RandomSource,
    readonly log: EmulatorLog,
    readonly now: () => number = Date.now,
  ) {
    this.current = startupConfig;
    this.startedAtUtc = timestampUtc(now());
    this.changedAtUtc = this.startedAtUtc;
    this.quotas = new QuotaGate(startupConfig.quotas);
    this.authenticator = new RegistrationAuthenticator(startupConfig);
    this.service = new ProvisioningService({
      store,
      config: () => this.current,
      instanceTag: newInstanceTag(),
      now,
    });
  }

  get config(): EmulatorConfig {
    return this.current;
  }

  /** The caller has validated `next`; this makes every part see it at once. */
  get configChangedAtUtc(): string {
    return this.changedAtUtc;
  }

  applyConfig(next: EmulatorConfig): void {
    this.current = next;
    this.changedAtUtc = timestampUtc(this.now());
    this.authenticator.setConfig(next);
    this.quotas.setQuotas(next.quotas);
  }

  reset(restoreStartupConfig: boolean): void {
    this.service.clear();
    this.store.clear();
    this.counters.reset();
    this.quotas.reset();
    if (restoreStartupConfig) this.applyConfig(this.startupConfig);
  }
}
