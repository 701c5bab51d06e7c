import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";

import { deviceConnectionString, Message, officialDeviceClient, provisionThroughDps } from "./test-support";

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
