import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deriveDeviceKey } from "@/lib/dps/derive-device-key";

import { allocateHub } from "./allocation";
import { officialSdkClient } from "./official-sdk-client";
import { parseEmulatorConfig } from "./config";
import {
  FLEET_PRIMARY_KEY,
  FLEET_SECONDARY_KEY,
  startTestEmulator,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

function officialClient(emulator: TestEmulator, registrationId: string, deviceKey: string) {
  return officialSdkClient({
    host: "127.0.0.1",
    port: emulator.port,
    caPem: emulator.caPem,
    idScope: emulator.idScope,
    registrationId,
    deviceKey,
  });
}

describe("official Azure IoT Node SDK against the emulator", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig({ retryAfterSeconds: 1, assignmentDelayMs: 200 }));
  });
  afterAll(() => emulator.dispose());

  it("provisions a device with a key derived from the group primary key onto the hashed hub", async () => {
    const registrationId = "sdk-device-001";
    const client = officialClient(
      emulator,
      registrationId,
      deriveDeviceKey(FLEET_PRIMARY_KEY, registrationId),
    );

    const result = await client.register();

    const expectedHub = allocateHub(
      "hashed",
      parseEmulatorConfig(testConfig()).linkedHubs,
      registrationId,
    )?.name;
    expect(result).toMatchObject({
      registrationId,
      deviceId: registrationId,
      status: "assigned",
      substatus: "initialAssignment",
      assignedHub: expectedHub,
    });
    expect(emulator.admin.getRegistration(registrationId)?.assignedHub).toBe(expectedHub);
  });

  it("provisions a device whose key is derived from the group secondary key", async () => {
    const registrationId = "sdk-device-secondary";
    const client = officialClient(
      emulator,
      registrationId,
      deriveDeviceKey(FLEET_SECONDARY_KEY, registrationId),
    );

    await expect(client.register()).resolves.toMatchObject({ status: "assigned", deviceId: registrationId });
  });

  it("reports re-registration of the same device as reprovisionedToInitialAssignment", async () => {
    const registrationId = "sdk-device-again";
    const deviceKey = deriveDeviceKey(FLEET_PRIMARY_KEY, registrationId);
    const first = await officialClient(emulator, registrationId, deviceKey).register();
    const second = await officialClient(emulator, registrationId, deviceKey).register();

    expect(second).toMatchObject({
      substatus: "reprovisionedToInitialAssignment",
      assignedHub: first?.assignedHub,
    });
    expect(second?.createdDateTimeUtc).toBe(first?.createdDateTimeUtc);
  });

  it("makes the SDK fail with UnauthorizedError for a key from no group", async () => {
    const registrationId = "sdk-device-intruder";
    const client = officialClient(
      emulator,
      registrationId,
      deriveDeviceKey(Buffer.alloc(32, 1).toString("base64"), registrationId),
    );

    await expect(client.register()).rejects.toMatchObject({ name: "UnauthorizedError" });
  });
});
