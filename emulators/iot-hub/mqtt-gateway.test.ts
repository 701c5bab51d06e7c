import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";

import { parseDeviceUsername } from "./mqtt-connect";
import { deviceToken, provisionThroughDps } from "@/tests/support/iot-hub-emulator";

type Device = { hub: string; deviceId: string; deviceKey: string };

function connect(
  emulator: TestEmulator,
  device: Device,
  transport: "mqtts" | "wss" = "mqtts",
): Promise<MqttClient> {
  const { address, mqttPort, httpsPort } = emulator.iotHub.connection;
  const client = mqtt.connect({
    protocol: transport,
    host: address,
    port: transport === "mqtts" ? mqttPort : httpsPort,
    ...(transport === "wss" ? { path: "/$iothub/websocket" } : {}),
    servername: device.hub,
    ca: emulator.iotHub.caPem,
    protocolVersion: 4,
    clientId: device.deviceId,
    username: `${device.hub}/${device.deviceId}/?api-version=2021-04-12`,
    password: deviceToken(device.hub, device.deviceId, device.deviceKey),
    reconnectPeriod: 0,
  });
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", reject);
  });
}

/** Publishes a twin request and waits for the answer on `$iothub/twin/res/…` with the same $rid. */
function twinRequest(
  client: MqttClient,
  topic: string,
  rid: string,
  body = "",
): Promise<{ topic: string; body: string }> {
  return new Promise((resolve) => {
    const onMessage = (answerTopic: string, payload: Buffer) => {
      if (!answerTopic.startsWith("$iothub/twin/res/") || !answerTopic.includes(`$rid=${rid}`)) return;
      client.off("message", onMessage);
      resolve({ topic: answerTopic, body: payload.toString() });
    };
    client.on("message", onMessage);
    client.publish(`${topic}?$rid=${rid}`, body, { qos: 0 });
  });
}

describe("the MQTT endpoint", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
  });
  afterAll(() => emulator.dispose());

  it("reads user names the way the SDKs write them", () => {
    expect(
      parseDeviceUsername("hub-a.azure-devices.net/d1/?api-version=2021-04-12&DeviceClientType=x"),
    ).toEqual({
      hub: "hub-a.azure-devices.net",
      deviceId: "d1",
    });
    expect(parseDeviceUsername("hub-a.azure-devices.net/d1/api-version=2021-04-12")).not.toBeNull();
    expect(parseDeviceUsername("hub-a.azure-devices.net/d1/module/?api-version=1")).toBeNull();
    expect(parseDeviceUsername("d1")).toBeNull();
  });

  it("answers twin GET and reported PATCH with the request's $rid and the new version, over TLS and WebSockets", async () => {
    const device = await provisionThroughDps(emulator, "raw-twin-device");
    for (const transport of ["mqtts", "wss"] as const) {
      const client = await connect(emulator, device, transport);
      try {
        await client.subscribeAsync("$iothub/twin/res/#", { qos: 0 });
        const read = await twinRequest(client, "$iothub/twin/GET/", `get-${transport}`);
        expect(read.topic).toBe(`$iothub/twin/res/200/?$rid=get-${transport}`);
        expect(JSON.parse(read.body)).toMatchObject({ desired: { $version: 1 }, reported: {} });
        const patch = await twinRequest(
          client,
          "$iothub/twin/PATCH/properties/reported/",
          `patch-${transport}`,
          JSON.stringify({ via: transport }),
        );
        expect(patch.topic).toMatch(
          new RegExp(`^\\$iothub/twin/res/204/\\?\\$rid=patch-${transport}&\\$version=\\d+$`),
        );
        const bad = await twinRequest(
          client,
          "$iothub/twin/PATCH/properties/reported/",
          `bad-${transport}`,
          "[1]",
        );
        expect(bad.topic).toBe(`$iothub/twin/res/400/?$rid=bad-${transport}`);
      } finally {
        await client.endAsync();
      }
    }
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.twin.reported).toEqual({
      via: "wss",
    });
  });

  it("answers twin requests with 429 while the hub throttles", async () => {
    const device = await provisionThroughDps(emulator, "raw-throttled-device");
    const client = await connect(emulator, device);
    try {
      await client.subscribeAsync("$iothub/twin/res/#", { qos: 0 });
      emulator.iotHub.admin.setHubThrottled(device.hub, true);
      const read = await twinRequest(client, "$iothub/twin/GET/", "throttled");
      expect(read.topic).toBe("$iothub/twin/res/429/?$rid=throttled");
    } finally {
      emulator.iotHub.admin.setHubThrottled(device.hub, false);
      await client.endAsync();
    }
  });

  it("lets a device subscribe and publish on its own topics only", async () => {
    const device = await provisionThroughDps(emulator, "raw-topics-device");
    const other = await provisionThroughDps(emulator, "raw-topics-other");
    const client = await connect(emulator, device);
    try {
      const granted = await client.subscribeAsync(`devices/${device.deviceId}/messages/devicebound/#`, {
        qos: 1,
      });
      expect(granted.map((grant) => grant.qos)).toEqual([1]);
      // A refused filter comes back as 0x80 in SUBACK, which mqtt.js reports as an error.
      await expect(client.subscribeAsync(`devices/${other.deviceId}/messages/devicebound/#`)).rejects.toThrow(
        /Subscribe error/,
      );
      await expect(client.subscribeAsync("#")).rejects.toThrow(/Subscribe error/);
      await client.publishAsync(`devices/${device.deviceId}/messages/events/a=1`, "{}", { qos: 1 });
      const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
      client.publish(`devices/${other.deviceId}/messages/events/`, "{}", { qos: 1 });
      await closed;
    } finally {
      client.end(true);
    }
    const counters = emulator.iotHub.admin.hubs().find((hub) => hub.hostName === device.hub)!.counters;
    expect(counters.telemetry).toBe(1);
  });

  it("keeps one connection per identity: a second one takes over, and the state follows", async () => {
    const device = await provisionThroughDps(emulator, "raw-takeover-device");
    const first = await connect(emulator, device);
    const firstClosed = new Promise<void>((resolve) => first.once("close", () => resolve()));
    const second = await connect(emulator, device);
    await firstClosed;
    first.end(true);
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.connectionState).toBe("Connected");
    await second.endAsync();
    await expect
      .poll(() => emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.connectionState)
      .toBe("Disconnected");
  });
});
