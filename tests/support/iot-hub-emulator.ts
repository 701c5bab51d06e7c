import { Agent, type AgentOptions } from "node:https";
import type { Duplex } from "node:stream";

import mqtt from "mqtt";
import { NoRetry, SharedAccessSignature } from "azure-iot-common";
import { Client, Message } from "azure-iot-device";
import { Mqtt } from "azure-iot-device-mqtt";
import { Client as ServiceClient, Registry } from "azure-iothub";

import { deriveDeviceKey } from "@/lib/dps/derive-device-key";
import { parseHubAddressRules } from "@/lib/iot-hub/hub-addresses";
import type { HttpFetch } from "@/lib/http/fetch-types";
import { createHubFetch } from "@/lib/iot-hub/service/hub-fetch";
import {
  createHubRegistryClient,
  type HubRegistryClient,
  type HubRegistryClientOptions,
} from "@/lib/iot-hub/service/registry-client";
import {
  FLEET_PRIMARY_KEY,
  fleetToken,
  registerAndWait,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

export { Message };

/** Registers `registrationId` in the DPS emulator's fleet group and returns where DPS put it. */
export async function provisionThroughDps(
  emulator: TestEmulator,
  registrationId: string,
): Promise<{ hub: string; deviceId: string; deviceKey: string }> {
  const result = await registerAndWait(emulator, registrationId, fleetToken(registrationId));
  const state = result.registrationState as { assignedHub: string; deviceId: string } | undefined;
  if (result.status !== "assigned" || !state) throw new Error(`DPS answered ${JSON.stringify(result)}`);
  return {
    hub: state.assignedHub,
    deviceId: state.deviceId,
    deviceKey: deriveDeviceKey(FLEET_PRIMARY_KEY, registrationId),
  };
}

/**
 * A device connection string for the official device SDK: signed for the hub's host name, dialled
 * at the emulator (`GatewayHostName`, which the SDK's MQTT transport connects to instead).
 */
export function deviceConnectionString(
  emulator: TestEmulator,
  hub: string,
  deviceId: string,
  key: string,
): string {
  return `HostName=${hub};DeviceId=${deviceId};SharedAccessKey=${key};GatewayHostName=localhost:${emulator.iotHub.connection.mqttPort}`;
}

/**
 * An official device client (azure-iot-device + azure-iot-device-mqtt) that trusts the hub CA only.
 * The SDK applies `ca` asynchronously (it first tries it as a file name), hence the await.
 */
export async function officialDeviceClient(
  emulator: TestEmulator,
  connectionString: string,
  options: { retry?: boolean } = {},
): Promise<Client> {
  const client = Client.fromConnectionString(connectionString, Mqtt);
  await client.setOptions({ ca: emulator.iotHub.caPem });
  // CONNACK 3 is retryable for the SDK (for minutes); refusal tests want the first answer.
  if (options.retry === false) client.setRetryPolicy(new NoRetry());
  return client;
}

/**
 * The service SDK dials the connection string's HostName on 443; this agent dials the emulator's
 * HTTPS port instead, keeping the hub's name for SNI and certificate checks (the request's Host
 * header and token scope stay as the SDK made them).
 */
class HubAddressAgent extends Agent {
  constructor(
    private readonly address: string,
    private readonly port: number,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(
    options: AgentOptions & { host?: string },
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex {
    const connect = { ...options, host: this.address, port: this.port, servername: options.host };
    return (
      Agent.prototype as unknown as { createConnection: (o: unknown, cb: unknown) => Duplex }
    ).createConnection.call(this, connect, callback);
  }
}

function pointAtEmulator(emulator: TestEmulator, sdkObject: unknown): void {
  const { address, httpsPort } = emulator.iotHub.connection;
  // The only way in to the SDK's transport options; its objects do not expose them.
  const transport = (sdkObject as { _restApiClient: { setOptions(options: unknown): void } })._restApiClient;
  transport.setOptions({
    http: { agent: new HubAddressAgent(address, httpsPort, { ca: emulator.iotHub.caPem, keepAlive: false }) },
  });
}

/** The official `azure-iothub` Registry, made by its own `fromConnectionString`, pointed at the emulator. */
export function officialRegistry(emulator: TestEmulator, connectionString: string): Registry {
  const registry = Registry.fromConnectionString(connectionString);
  pointAtEmulator(emulator, registry);
  return registry;
}

/** The official `azure-iothub` service Client, for direct methods (HTTPS; its AMQP side is never opened). */
export function officialServiceClient(emulator: TestEmulator, connectionString: string): ServiceClient {
  const client = ServiceClient.fromConnectionString(connectionString);
  pointAtEmulator(emulator, client);
  return client;
}

export function hubConnection(emulator: TestEmulator, hub: string) {
  const found = emulator.iotHub.connection.hubs.find(
    (entry) => entry.hostName.toLowerCase() === hub.toLowerCase(),
  );
  if (!found) throw new Error(`no hub ${hub}`);
  return found;
}

/** The MQTT error an SDK open() failed with, or null when it connected. */
export async function openError(client: Client): Promise<Error | null> {
  try {
    await client.open();
    await client.close();
    return null;
  } catch (error) {
    return error as Error;
  }
}

/** A device SAS token made by the official SDK's own code (azure-iot-common). */
export function deviceToken(
  hub: string,
  deviceId: string,
  key: string,
  expiry = Math.floor(Date.now() / 1000) + 3600,
): string {
  return SharedAccessSignature.create(`${hub}/devices/${deviceId}`, "", key, expiry).toString();
}

/**
 * The CONNACK return code a raw MQTT 3.1.1 CONNECT gets (0 = accepted), or `dropped` when the
 * connection ended without one, with the `mqtt` package dialling the emulator and asking for the
 * hub by name (SNI), as a platform connecting for a device would.
 */
export function connackCode(
  emulator: TestEmulator,
  input: {
    hub: string;
    deviceId: string;
    password: string;
    clientId?: string;
    username?: string;
    sni?: boolean;
  },
): Promise<number | "dropped"> {
  const { address, mqttPort } = emulator.iotHub.connection;
  return new Promise((resolve) => {
    const client = mqtt.connect({
      protocol: "mqtts",
      host: address,
      port: mqttPort,
      ...(input.sni === false ? {} : { servername: input.hub }),
      ca: emulator.iotHub.caPem,
      protocolVersion: 4,
      clientId: input.clientId ?? input.deviceId,
      username: input.username ?? `${input.hub}/${input.deviceId}/?api-version=2021-04-12`,
      password: input.password,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    const settle = (answer: number | "dropped") => {
      client.end(true);
      resolve(answer);
    };
    client.once("connect", () => settle(0));
    client.once("error", (error: Error & { code?: number | string }) =>
      settle(typeof error.code === "number" ? error.code : "dropped"),
    );
    client.once("close", () => settle("dropped"));
  });
}

/**
 * The settings the launcher gives the app for the local IoT Hub: every hub of the emulator at its
 * MQTT and HTTPS ports, its CA trusted for hubs only. The hub check on or off, as the test needs.
 */
export function localHubSettings(emulator: TestEmulator, hubCheck: "on" | "off") {
  const hub = emulator.iotHub.connection;
  const rules = (port: number) =>
    parseHubAddressRules(hub.hubs.map((h) => `${h.hostName}=${hub.address}:${port}`).join(",")).rules;
  return {
    HIC_IOT_HUB_ADDRESSES: rules(hub.mqttPort),
    HIC_IOT_HUB_SERVICE_ADDRESSES: rules(hub.httpsPort),
    HIC_IOT_HUB_CA_FILE: hub.caFile,
    HIC_IOT_HUB_CHECK: hubCheck,
  };
}

/** The app's hub transport pointed at the emulator's hubs (its HTTPS port, its CA), as the launcher wires it. */
export function localHubFetch(emulator: TestEmulator): HttpFetch {
  const { address, httpsPort } = emulator.iotHub.connection;
  return createHubFetch({
    rules: [{ pattern: "*.azure-devices.net", host: address, port: httpsPort }],
    caPem: emulator.iotHub.caPem,
  });
}

/** The app's identity registry client on the emulator's hubs; `options` as the test needs (no waiting, one attempt). */
export function localHubRegistryClient(
  emulator: TestEmulator,
  options: Omit<HubRegistryClientOptions, "fetch"> = {},
): HubRegistryClient {
  return createHubRegistryClient({ fetch: localHubFetch(emulator), ...options });
}
