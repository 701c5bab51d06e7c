import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import mqtt, { type MqttClient } from "mqtt";
import { Agent, request } from "undici";
import { emulatorConnection } from "./emulator";

type LocalIotHub = {
  address: string;
  mqttPort: number;
  httpsPort: number;
  caFile: string;
  hubs: {
    hostName: string;
    ownerConnectionString: string;
    registryReadConnectionString: string;
    registryReadWriteConnectionString: string;
  }[];
};

/** The local IoT Hub the launcher started next to the DPS emulator (connection.json's `iotHub`). */
export function localIotHub(): LocalIotHub {
  const { iotHub } = emulatorConnection() as unknown as { iotHub?: LocalIotHub };
  if (!iotHub)
    throw new Error("connection.json has no iotHub: is the local IoT Hub running with the DPS emulator?");
  return iotHub;
}

/** Calls the local IoT Hub's loopback-only admin API (`/_emulator/iot-hub/<route>`), trusting its CA. */
export async function iotHubAdmin<T = unknown>(
  method: "GET" | "PATCH" | "POST" | "DELETE",
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const hub = localIotHub();
  const dispatcher = new Agent({
    connect: {
      secureContext: createSecureContext({ ca: readFileSync(hub.caFile, "utf8") }),
      servername: "localhost",
    },
  });
  try {
    const response = await request(`https://${hub.address}:${hub.httpsPort}/_emulator/iot-hub/${route}`, {
      method,
      dispatcher,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: (text ? JSON.parse(text) : null) as T };
  } finally {
    await dispatcher.close();
  }
}

/** Disables a device's identity in its hub, as an administrator would in the portal. */
export async function disableIdentity(hub: string, deviceId: string): Promise<void> {
  const { status, body } = await iotHubAdmin(
    "PATCH",
    `hubs/${encodeURIComponent(hub)}/identities/${encodeURIComponent(deviceId)}`,
    { status: "disabled", statusReason: "e2e" },
  );
  if (status !== 200) throw new Error(`The local IoT Hub refused: HTTP ${status} ${JSON.stringify(body)}`);
}

/** A device's identity in a hub, through the admin API: 200 with the REST shape, or 404. */
export async function hubIdentity(
  hub: string,
  deviceId: string,
): Promise<{ status: number; body: { status?: string; statusReason?: string | null } | null }> {
  return iotHubAdmin("GET", `hubs/${encodeURIComponent(hub)}/identities/${encodeURIComponent(deviceId)}`);
}

/** A demo hub's connection strings, as connection.json publishes them. */
export function hubConnectionStrings(hub: string): LocalIotHub["hubs"][number] {
  const found = localIotHub().hubs.find((entry) => entry.hostName.toLowerCase() === hub.toLowerCase());
  if (!found) throw new Error(`The local IoT Hub does not serve ${hub}.`);
  return found;
}

/** Each demo hub with its policies' connection strings (connection.json's `iotHub.hubs`). */
export function localIotHubConnections(): LocalIotHub["hubs"] {
  return localIotHub().hubs;
}

/**
 * Creates an identity nobody provisioned (an orphan), through the hub's own registry API with its
 * owner policy, as a script or the portal would.
 */
export async function createIdentity(hub: string, deviceId: string): Promise<void> {
  const local = localIotHub();
  const owner = localIotHubConnections().find((h) => h.hostName === hub)!.ownerConnectionString;
  const key = /SharedAccessKey=([^;]+)/.exec(owner)![1]!;
  const expiry = Math.floor(Date.now() / 1000) + 600;
  const resource = encodeURIComponent(hub);
  const signature = createHmac("sha256", Buffer.from(key, "base64"))
    .update(`${resource}\n${expiry}`)
    .digest("base64");
  const token = `SharedAccessSignature sr=${resource}&sig=${encodeURIComponent(signature)}&se=${expiry}&skn=iothubowner`;
  const dispatcher = new Agent({
    connect: {
      secureContext: createSecureContext({ ca: readFileSync(local.caFile, "utf8") }),
      servername: hub,
    },
  });
  try {
    const response = await request(
      `https://${local.address}:${local.httpsPort}/devices/${encodeURIComponent(deviceId)}?api-version=2021-04-12`,
      {
        method: "PUT",
        dispatcher,
        headers: { host: hub, authorization: token, "content-type": "application/json" },
        body: JSON.stringify({ deviceId, status: "enabled", authentication: { type: "sas" } }),
      },
    );
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`The hub refused: HTTP ${response.statusCode} ${text}`);
  } finally {
    await dispatcher.close();
  }
}

/**
 * Connects to the local IoT Hub as the device (MQTT over TLS, with its group-derived key), and stays
 * connected until the caller ends the client: the hub then reports it Connected.
 */
export function connectAsDevice(
  hub: string,
  registrationId: string,
  deviceId = registrationId,
): Promise<MqttClient> {
  const local = localIotHub();
  const deviceKey = createHmac("sha256", Buffer.from(emulatorConnection().groupKey, "base64"))
    .update(registrationId)
    .digest("base64");
  const resource = encodeURIComponent(`${hub}/devices/${deviceId}`);
  const expiry = Math.floor(Date.now() / 1000) + 600;
  const signature = createHmac("sha256", Buffer.from(deviceKey, "base64"))
    .update(`${resource}\n${expiry}`)
    .digest("base64");
  const client = mqtt.connect({
    protocol: "mqtts",
    host: local.address,
    port: local.mqttPort,
    servername: hub,
    ca: readFileSync(local.caFile, "utf8"),
    protocolVersion: 4,
    clientId: deviceId,
    username: `${hub}/${deviceId}/?api-version=2021-04-12`,
    password: `SharedAccessSignature sr=${resource}&sig=${encodeURIComponent(signature)}&se=${expiry}`,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", (error) => {
      client.end(true);
      reject(error);
    });
  });
}
