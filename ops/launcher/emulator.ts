import { writePrivateFile } from "@/ops/runtime/private-file";
import path from "node:path";
import {
  DEMO_OWNER_POLICY,
  DEMO_READ_ONLY_POLICY,
  startDpsEmulator,
  type DpsEmulator,
  type IotHubConnectionInfo,
} from "@/emulators/dps";
import { env } from "@/lib/env";
import { localIotHubEnv } from "./iot-hub-env";

export type LocalDpsConnection = {
  idScope: string;
  groupKey: string;
  host: string;
  /** The service API's connection strings of the demo's owner policy (every right) and of a policy that may only read. */
  serviceConnectionString: string;
  readOnlyServiceConnectionString: string;
  /** The local IoT Hub serving the linked hubs: where to connect, the CA to trust, each hub's connection strings. */
  iotHub: IotHubConnectionInfo;
};

export type LocalDps = {
  emulator: DpsEmulator;
  connection: LocalDpsConnection;
  /** For the app: the outbound policy allows this host, and the emulator's CA is trusted for it alone. */
  env: { HIC_DPS_EMULATOR_HOST: string; HIC_DPS_EMULATOR_CA_FILE: string };
  /** For the app's hub checks: the demo hubs' names lead to the local IoT Hub, whose CA is trusted for hub connections only. */
  hubEnv: ReturnType<typeof localIotHubEnv>;
};

/**
 * The local DPS emulator with its demo configuration, so a newcomer can connect and provision
 * without Azure. Its CA (name-constrained to loopback) is trusted by the app for connections to
 * the emulator only, never process-wide.
 */
export async function startLocalDps(dataDir: string, log: (line: string) => void): Promise<LocalDps> {
  const emulatorDir = path.join(dataDir, "dps-emulator");
  const emulator = await startDpsEmulator({
    dataDir: emulatorDir,
    port: env().HIC_DPS_EMULATOR_PORT,
    log: (m) => log(`dps-emulator: ${m}`),
  });
  const group = emulator.config.enrollmentGroups[0];
  if (!group) throw new Error("The DPS emulator configuration has no enrollment group.");
  const host = `localhost:${emulator.port}`;
  const policy = (name: string) => {
    const found = emulator.config.servicePolicies.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`The DPS emulator configuration has no service policy "${name}".`);
    return `HostName=${host};SharedAccessKeyName=${found.name};SharedAccessKey=${found.primaryKey}`;
  };
  const connection: LocalDpsConnection = {
    idScope: emulator.idScope,
    groupKey: group.primaryKey,
    host,
    serviceConnectionString: policy(DEMO_OWNER_POLICY),
    readOnlyServiceConnectionString: policy(DEMO_READ_ONLY_POLICY),
    iotHub: emulator.iotHub.connection,
  };
  // For scripts and tests that drive the demo (file mode 600: it holds the demo keys).
  writePrivateFile(path.join(emulatorDir, "connection.json"), `${JSON.stringify(connection, null, 2)}\n`);

  return {
    emulator,
    connection,
    env: { HIC_DPS_EMULATOR_HOST: connection.host, HIC_DPS_EMULATOR_CA_FILE: emulator.caFile },
    hubEnv: localIotHubEnv(emulator.iotHub.connection, env()),
  };
}
