import { deriveDeviceKey } from "@/lib/dps/derive-device-key";

import { startIotHubEmulator, type IotHubEmulator } from "../iot-hub";
import { createEmulatorAdmin, type EmulatorAdmin } from "./admin-api";
import { loadOrCreateCertificates } from "./certificates";
import { parseEmulatorConfig, type EmulatorConfig } from "./config";
import { loadDemoConfig } from "./demo-config";
import { EmulatorState, type EmulatorLog } from "./emulator-state";
import type { RandomSource } from "./faults";
import { RegistrationStore } from "./store";
import { createEmulatorServer, DEFAULT_PORT, urlHost } from "./server";
import { listenWithFallback } from "../listen";

export { EmulatorConfigError, parseEmulatorConfig, publicConfig } from "./config";
export type {
  EmulatorConfig,
  EmulatorConfigInput,
  Faults,
  PublicEmulatorConfig,
  Quotas,
  ServicePolicy,
} from "./config";
export type { GenerateRegistrations, OutsideRegistration } from "./outside-registrations";
export type { EmulatorAdmin, RegistrationQuery } from "./admin-api";
export type { CountersSnapshot } from "./counters";
export type { RegistrationPage, RegistrationRecord, RegistrationState } from "./store";
export {
  DEMO_ENROLLMENT_GROUP_ID,
  DEMO_ID_SCOPE,
  DEMO_OWNER_POLICY,
  DEMO_READ_ONLY_POLICY,
} from "./demo-config";
export { DEFAULT_PORT } from "./server";
export type { IotHubConnectionInfo, IotHubConnectionHub, IotHubEmulator } from "../iot-hub";

export const DEFAULT_DATA_DIR = ".data/dps-emulator";

export type StartDpsEmulatorOptions = {
  /** Validated like the config file; omitted = the demo configuration with keys kept in `dataDir`. */
  config?: unknown;
  /** 0 = any free port; omitted = 8443, or any free port when 8443 is taken. */
  port?: number;
  host?: string;
  dataDir: string;
  log?: EmulatorLog;
  /** Drives the fault rates; inject a scripted source for deterministic tests. */
  random?: RandomSource;
  /** Epoch milliseconds for quotas, SAS expiry and assignment delays; inject a fake clock to test pacing without waiting. */
  now?: () => number;
  /** Ports of the IoT Hub emulator started alongside; omitted = 8883 and 9443 (or free ones), or any free ones when `port` is 0. */
  iotHub?: { mqttPort?: number; httpsPort?: number };
};

export type DpsEmulator = {
  url: string;
  port: number;
  host: string;
  caFile: string;
  caPem: string;
  readonly idScope: string;
  /** The configuration in force now, group keys included (the admin API's view leaves them out). */
  readonly config: EmulatorConfig;
  admin: EmulatorAdmin;
  /** The local IoT Hub serving every linked hub; DPS assignments create identities in it. */
  iotHub: IotHubEmulator;
  /** Closes every connection and writes the registration records; safe to call more than once. */
  stop(): Promise<void>;
};

export async function startDpsEmulator(options: StartDpsEmulatorOptions): Promise<DpsEmulator> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? (() => {});
  const config =
    options.config === undefined
      ? await loadDemoConfig(options.dataDir)
      : parseEmulatorConfig(options.config);
  const certificates = await loadOrCreateCertificates(options.dataDir);
  if (certificates.createdCa) log(`created a new local CA at ${certificates.caFile}`);
  const store = await RegistrationStore.open(options.dataDir, log);
  const state = new EmulatorState(config, store, options.random ?? Math.random, log, options.now);
  const admin = createEmulatorAdmin(state);

  const anyPort = options.port === 0 ? 0 : undefined;
  const iotHub = await startIotHubEmulator({
    dataDir: options.dataDir,
    host,
    mqttPort: options.iotHub?.mqttPort ?? anyPort,
    httpsPort: options.iotHub?.httpsPort ?? anyPort,
    hubs: () => state.config.linkedHubs.map((hub) => hub.name),
    log,
    now: options.now,
  });
  // What real DPS does for a symmetric-key group: the identity gets the keys derived from the group's.
  state.service.onAssigned = (assignment) => {
    iotHub.provisionIdentity({
      hub: assignment.hub,
      deviceId: assignment.deviceId,
      primaryKey: deriveDeviceKey(assignment.group.primaryKey, assignment.registrationId),
      secondaryKey: deriveDeviceKey(assignment.group.secondaryKey, assignment.registrationId),
      ...(assignment.previousHub !== undefined &&
      assignment.previousHub.toLowerCase() !== assignment.hub.toLowerCase() &&
      assignment.group.reprovisionPolicy.migrateDeviceData
        ? { migrateTwinFrom: assignment.previousHub }
        : {}),
    });
  };

  const server = createEmulatorServer(state, admin, certificates);
  let port: number;
  try {
    port = await listenWithFallback(server, options.port, DEFAULT_PORT, host);
  } catch (error) {
    await iotHub.stop();
    throw error;
  }
  const url = `https://${urlHost(host)}:${port}`;
  log(`DPS emulator listening on ${url} (ID scope ${config.idScope}, ${store.size} stored registrations)`);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      state.service.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([store.flush(), iotHub.stop()]);
    })();
    return stopping;
  };

  return {
    url,
    port,
    host,
    caFile: certificates.caFile,
    caPem: certificates.caPem,
    get idScope() {
      return state.config.idScope;
    },
    get config() {
      return state.config;
    },
    admin,
    iotHub,
    stop,
  };
}
