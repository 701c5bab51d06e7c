import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";

import {
  deviceConnectionString,
  hubConnection,
  Message,
  officialDeviceClient,
  officialRegistry,
  officialServiceClient,
  provisionThroughDps,
} from "@/tests/support/iot-hub-emulator";

describe("the official device SDK (azure-iot-device-mqtt) against the local IoT Hub", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
  });
  afterAll(() => emulator.dispose());

  it("connects with the derived key of a device DPS assigned, reads its twin and reports a patch", async () => {
    const device = await provisionThroughDps(emulator, "sdk-hub-device-1");
    const client = await officialDeviceClient(
      emulator,
      deviceConnectionString(emulator, device.hub, device.deviceId, device.deviceKey),
    );
    await client.open();
    try {
      const twin = await client.getTwin();
      expect(twin.properties.reported.$version).toBe(1);
      await new Promise<void>((resolve, reject) =>
        twin.properties.reported.update(
          { provisioning: { by: "test", registrationId: "sdk-hub-device-1" } },
          (error?: Error) => (error ? reject(error) : resolve()),
        ),
      );
      const identity = emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)!;
      expect(identity.connectionState).toBe("Connected");
      expect(identity.twin.reported).toEqual({
        provisioning: { by: "test", registrationId: "sdk-hub-device-1" },
      });
      expect(identity.twin.reportedVersion).toBe(2);

      await client.sendEvent(new Message(JSON.stringify({ temperature: 21 })));
      const hub = emulator.iotHub.admin.hubs().find((h) => h.hostName === device.hub)!;
      expect(hub.counters.telemetry).toBe(1);
    } finally {
      await client.close();
    }
  });
});

describe("the hub talks back to an official device client", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
  });
  afterAll(() => emulator.dispose());

  async function connected(registrationId: string) {
    const device = await provisionThroughDps(emulator, registrationId);
    const client = await officialDeviceClient(
      emulator,
      deviceConnectionString(emulator, device.hub, device.deviceId, device.deviceKey),
    );
    await client.open();
    return { device, client };
  }

  it("runs a direct method the service invokes, and answers DeviceNotOnline once the device is gone", async () => {
    const { device, client } = await connected("sdk-method-device");
    client.onDeviceMethod("reboot", (request, response) => {
      void response.send(200, { accepted: true, delay: (request.payload as { delay: number }).delay });
    });
    const service = officialServiceClient(
      emulator,
      hubConnection(emulator, device.hub).ownerConnectionString,
    );
    const answer = await vi.waitFor(
      () =>
        service.invokeDeviceMethod(device.deviceId, {
          methodName: "reboot",
          payload: { delay: 5 },
          responseTimeoutInSeconds: 5,
        }),
      { timeout: 5000 },
    );
    expect(answer.result).toEqual({ status: 200, payload: { accepted: true, delay: 5 } });
    await client.close();
    await expect(
      service.invokeDeviceMethod(device.deviceId, { methodName: "reboot", payload: {} }),
    ).rejects.toMatchObject({ responseBody: expect.stringContaining("ErrorCode:DeviceNotOnline;") });
  });

  it("delivers cloud-to-device messages, queued while the device was away", async () => {
    const device = await provisionThroughDps(emulator, "sdk-c2d-device");
    emulator.iotHub.admin.sendCloudToDevice(device.hub, device.deviceId, {
      body: "queued while away",
      properties: { kind: "greeting" },
    });
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.cloudToDeviceMessageCount).toBe(1);
    const client = await officialDeviceClient(
      emulator,
      deviceConnectionString(emulator, device.hub, device.deviceId, device.deviceKey),
    );
    const received: { body: string; kind: unknown }[] = [];
    client.on("message", (message: Message) => {
      received.push({
        body: String(message.getData()),
        kind: message.properties.getValue("kind"),
      });
    });
    await client.open();
    try {
      await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 5000 });
      emulator.iotHub.admin.sendCloudToDevice(device.hub, device.deviceId, { body: "live" });
      await vi.waitFor(() => expect(received).toHaveLength(2), { timeout: 5000 });
      expect(received).toEqual([
        { body: "queued while away", kind: "greeting" },
        { body: "live", kind: undefined },
      ]);
      expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.cloudToDeviceMessageCount).toBe(
        0,
      );
    } finally {
      await client.close();
    }
  });

  it("delivers a desired-property change the service makes to the device's twin", async () => {
    const { device, client } = await connected("sdk-desired-device");
    try {
      const twin = await client.getTwin();
      const changes: unknown[] = [];
      twin.on("properties.desired", (delta: unknown) => changes.push(delta));
      const registry = officialRegistry(emulator, hubConnection(emulator, device.hub).ownerConnectionString);
      await registry.updateTwin(device.deviceId, { properties: { desired: { interval: 15 } } }, "*");
      await vi.waitFor(
        () => expect(changes).toContainEqual(expect.objectContaining({ interval: 15, $version: 2 })),
        { timeout: 5000 },
      );
      expect(twin.properties.desired.interval).toBe(15);
    } finally {
      await client.close();
    }
  });
});
