import { errors } from "azure-iot-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestEmulator, testConfig, type TestEmulator } from "@/tests/support/dps-emulator";

import { ConnackCodes } from "./mqtt-connect";
import {
  connackCode,
  deviceConnectionString,
  deviceToken,
  officialDeviceClient,
  openError,
  provisionThroughDps,
} from "@/tests/support/iot-hub-emulator";

const WRONG_KEY = Buffer.alloc(32, 9).toString("base64");

describe("the local IoT Hub refuses devices with IoT Hub's CONNACK codes", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(testConfig());
  });
  afterAll(() => emulator.dispose());

  function sdkClient(hub: string, deviceId: string, key: string) {
    return officialDeviceClient(emulator, deviceConnectionString(emulator, hub, deviceId, key), {
      retry: false,
    });
  }

  it("accepts the derived key and refuses a wrong key with 5 (not authorized), which the SDK reports as UnauthorizedError", async () => {
    const device = await provisionThroughDps(emulator, "refusal-wrong-key");
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, device.deviceId, device.deviceKey),
      }),
    ).toBe(0);
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, device.deviceId, WRONG_KEY),
      }),
    ).toBe(ConnackCodes.notAuthorized);
    expect(await openError(await sdkClient(device.hub, device.deviceId, WRONG_KEY))).toBeInstanceOf(
      errors.UnauthorizedError,
    );
  });

  it("refuses an expired token with 5", async () => {
    const device = await provisionThroughDps(emulator, "refusal-expired");
    const expired = Math.floor(Date.now() / 1000) - 60;
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, device.deviceId, device.deviceKey, expired),
      }),
    ).toBe(ConnackCodes.notAuthorized);
  });

  it("refuses a token signed for another device, and a client ID that is not the device ID", async () => {
    const device = await provisionThroughDps(emulator, "refusal-resource");
    const other = await provisionThroughDps(emulator, "refusal-resource-other");
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, other.deviceId, device.deviceKey),
      }),
    ).toBe(ConnackCodes.notAuthorized);
    expect(
      await connackCode(emulator, {
        ...device,
        clientId: "someone-else",
        password: deviceToken(device.hub, device.deviceId, device.deviceKey),
      }),
    ).toBe(ConnackCodes.identifierRejected);
    expect(await connackCode(emulator, { ...device, password: "not a token" })).toBe(
      ConnackCodes.badUsernameOrPassword,
    );
  });

  it("refuses a disabled identity with 3 (server unavailable), as IoT Hub does, and drops its open connection", async () => {
    const device = await provisionThroughDps(emulator, "refusal-disabled");
    const client = await sdkClient(device.hub, device.deviceId, device.deviceKey);
    await client.open();
    expect(emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.connectionState).toBe("Connected");
    emulator.iotHub.admin.setIdentityStatus(device.hub, device.deviceId, "disabled", "test");
    await expect
      .poll(() => emulator.iotHub.admin.getIdentity(device.hub, device.deviceId)?.connectionState)
      .toBe("Disconnected");
    await client.close();
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, device.deviceId, device.deviceKey),
      }),
    ).toBe(ConnackCodes.serverUnavailable);
    expect(await openError(await sdkClient(device.hub, device.deviceId, device.deviceKey))).toBeInstanceOf(
      errors.ServiceUnavailableError,
    );
    // A disabled identity with a wrong key is still a bad credential first.
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, device.deviceId, WRONG_KEY),
      }),
    ).toBe(ConnackCodes.notAuthorized);
    emulator.iotHub.admin.setIdentityStatus(device.hub, device.deviceId, "enabled");
    expect(await openError(await sdkClient(device.hub, device.deviceId, device.deviceKey))).toBeNull();
  });

  it("refuses a deleted identity with 5", async () => {
    const device = await provisionThroughDps(emulator, "refusal-deleted");
    emulator.iotHub.admin.deleteIdentity(device.hub, device.deviceId);
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, device.deviceId, device.deviceKey),
      }),
    ).toBe(ConnackCodes.notAuthorized);
    expect(await openError(await sdkClient(device.hub, device.deviceId, device.deviceKey))).toBeInstanceOf(
      errors.UnauthorizedError,
    );
  });

  it("refuses the old key after a key regeneration with 5, and a new DPS registration makes it work again", async () => {
    const device = await provisionThroughDps(emulator, "refusal-regenerated");
    emulator.iotHub.admin.regenerateKey(device.hub, device.deviceId, "primary");
    emulator.iotHub.admin.regenerateKey(device.hub, device.deviceId, "secondary");
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, device.deviceId, device.deviceKey),
      }),
    ).toBe(ConnackCodes.notAuthorized);
    await provisionThroughDps(emulator, "refusal-regenerated");
    expect(
      await connackCode(emulator, {
        ...device,
        password: deviceToken(device.hub, device.deviceId, device.deviceKey),
      }),
    ).toBe(0);
  });

  it("drops connections unanswered while a hub is unreachable, with or without SNI", async () => {
    const device = await provisionThroughDps(emulator, "refusal-unreachable");
    const password = () => deviceToken(device.hub, device.deviceId, device.deviceKey);
    emulator.iotHub.admin.setHubOnline(device.hub, false, "unreachable");
    try {
      expect(await connackCode(emulator, { ...device, password: password() })).toBe("dropped");
      expect(await connackCode(emulator, { ...device, password: password(), sni: false })).toBe("dropped");
      // No CONNACK came: the SDK says so (it words every failed first connection "Not authorized").
      const sdkError = await openError(await sdkClient(device.hub, device.deviceId, device.deviceKey));
      expect(sdkError?.message).toMatch(/Unable to establish a connection/);
    } finally {
      emulator.iotHub.admin.setHubOnline(device.hub, true);
    }
    expect(await connackCode(emulator, { ...device, password: password() })).toBe(0);
  });

  it("answers 3 while a hub is offline or throttling, and accepts again once it is back", async () => {
    const device = await provisionThroughDps(emulator, "refusal-offline");
    const password = () => deviceToken(device.hub, device.deviceId, device.deviceKey);
    emulator.iotHub.admin.setHubOnline(device.hub, false);
    expect(await connackCode(emulator, { ...device, password: password() })).toBe(
      ConnackCodes.serverUnavailable,
    );
    expect(await openError(await sdkClient(device.hub, device.deviceId, device.deviceKey))).toBeInstanceOf(
      errors.ServiceUnavailableError,
    );
    emulator.iotHub.admin.setHubOnline(device.hub, true);
    emulator.iotHub.admin.setHubThrottled(device.hub, true);
    expect(await connackCode(emulator, { ...device, password: password() })).toBe(
      ConnackCodes.serverUnavailable,
    );
    emulator.iotHub.admin.setHubThrottled(device.hub, false);
    expect(await connackCode(emulator, { ...device, password: password() })).toBe(0);
    const refused = emulator.iotHub.admin.hubs().find((hub) => hub.hostName === device.hub)!.counters
      .connectsRefused;
    expect(refused["3"]).toBeGreaterThanOrEqual(3);
  });
});
