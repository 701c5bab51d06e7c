import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deriveDeviceKey } from "@/lib/dps/derive-device-key";
import {
  FLEET_PRIMARY_KEY,
  FLEET_SECONDARY_KEY,
  HUB_A,
  HUB_B,
  makeDataDir,
  startTestEmulator,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

import { ConnackCodes } from "./mqtt-connect";
import { connackCode, deviceToken, provisionThroughDps } from "@/tests/support/iot-hub-emulator";

/** One group pinned to hub A; moving it to hub B re-provisions its devices there. */
const pinnedConfig = () =>
  testConfig({
    enrollmentGroups: [
      {
        enrollmentGroupId: "fleet",
        primaryKey: FLEET_PRIMARY_KEY,
        secondaryKey: FLEET_SECONDARY_KEY,
        allocationPolicy: "static",
        iotHubs: [HUB_A],
      },
    ],
  });

describe("identities the way DPS fills the hubs", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator(pinnedConfig());
  });
  afterAll(() => emulator.dispose());

  it("creates the identity in the assigned hub with the keys derived from the group's, enabled", async () => {
    const device = await provisionThroughDps(emulator, "assigned-device-1");
    expect(device.hub).toBe(HUB_A);
    const identity = emulator.iotHub.admin.getIdentity(HUB_A, "assigned-device-1")!;
    expect(identity).toMatchObject({
      deviceId: "assigned-device-1",
      status: "enabled",
      primaryKey: deriveDeviceKey(FLEET_PRIMARY_KEY, "assigned-device-1"),
      secondaryKey: deriveDeviceKey(FLEET_SECONDARY_KEY, "assigned-device-1"),
    });
    expect(identity.generationId).toMatch(/^\d+$/);
    expect(emulator.iotHub.admin.getIdentity(HUB_B, "assigned-device-1")).toBeUndefined();
    // The secondary derived key works too, as it would against Azure.
    const secondary = deriveDeviceKey(FLEET_SECONDARY_KEY, "assigned-device-1");
    expect(
      await connackCode(emulator, {
        hub: HUB_A,
        deviceId: device.deviceId,
        password: deviceToken(HUB_A, device.deviceId, secondary),
      }),
    ).toBe(0);
  });

  it("keeps an identity the operator disabled disabled when the device registers again, and keeps its generation", async () => {
    await provisionThroughDps(emulator, "assigned-device-2");
    const first = emulator.iotHub.admin.getIdentity(HUB_A, "assigned-device-2")!;
    emulator.iotHub.admin.setIdentityStatus(HUB_A, "assigned-device-2", "disabled", "operator");
    await provisionThroughDps(emulator, "assigned-device-2");
    const again = emulator.iotHub.admin.getIdentity(HUB_A, "assigned-device-2")!;
    expect(again.generationId).toBe(first.generationId);
    // DPS does not override an operator's decision to disable the identity in the hub.
    expect(again.status).toBe("disabled");
  });

  it("on a move to another hub creates the identity there, carries the twin over, and leaves the old one in place", async () => {
    const device = await provisionThroughDps(emulator, "moving-device");
    emulator.iotHub.admin.getIdentity(HUB_A, "moving-device")!.twin.reported = { firmware: "1.0" };
    emulator.admin.patchConfig({ enrollmentGroups: [{ enrollmentGroupId: "fleet", iotHubs: [HUB_B] }] });
    try {
      const moved = await provisionThroughDps(emulator, "moving-device");
      expect(moved.hub).toBe(HUB_B);
      const fresh = emulator.iotHub.admin.getIdentity(HUB_B, "moving-device")!;
      expect(fresh.primaryKey).toBe(device.deviceKey);
      expect(fresh.twin.reported).toEqual({ firmware: "1.0" });
      expect(emulator.iotHub.admin.getIdentity(HUB_A, "moving-device")).toBeDefined();
      // The device connects to the new hub with its derived key; the stale identity in the old hub still accepts it too.
      const token = (hub: string) => deviceToken(hub, "moving-device", device.deviceKey);
      expect(
        await connackCode(emulator, { hub: HUB_B, deviceId: "moving-device", password: token(HUB_B) }),
      ).toBe(0);
      expect(
        await connackCode(emulator, { hub: HUB_A, deviceId: "moving-device", password: token(HUB_A) }),
      ).toBe(0);
      expect(
        await connackCode(emulator, { hub: HUB_B, deviceId: "moving-device", password: token(HUB_A) }),
      ).toBe(ConnackCodes.notAuthorized);
    } finally {
      emulator.admin.patchConfig({ enrollmentGroups: [{ enrollmentGroupId: "fleet", iotHubs: [HUB_A] }] });
    }
  });
});

describe("the identity registry on disk", () => {
  it("survives a restart of the emulator on the same data directory", async () => {
    const dataDir = await makeDataDir();
    const first = await startTestEmulator(pinnedConfig(), { dataDir });
    const device = await provisionThroughDps(first, "persisted-device");
    first.iotHub.admin.setIdentityStatus(HUB_A, device.deviceId, "disabled", "kept");
    const ownerBefore = first.iotHub.connection.hubs[0]!.ownerConnectionString;
    await first.stop();

    const second = await startTestEmulator(pinnedConfig(), { dataDir });
    try {
      expect(second.iotHub.admin.getIdentity(HUB_A, "persisted-device")).toMatchObject({
        status: "disabled",
        statusReason: "kept",
        primaryKey: device.deviceKey,
        connectionState: "Disconnected",
      });
      expect(second.iotHub.connection.hubs[0]!.ownerConnectionString).toBe(ownerBefore);
    } finally {
      await second.dispose();
    }
  });
});
