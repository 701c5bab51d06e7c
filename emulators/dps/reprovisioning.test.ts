import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { allocateHub } from "./allocation";
import { parseEmulatorConfig } from "./config";
import { settleAssignment } from "./reprovisioning";
import {
  fleetToken,
  HUB_A,
  HUB_B,
  registerAndWait,
  startTestEmulator,
  testConfig,
  type TestEmulator,
} from "@/tests/support/dps-emulator";

describe("reprovisioning substatus (pure)", () => {
  const migrate = { updateHubAssignment: true, migrateDeviceData: true };
  const reset = { updateHubAssignment: true, migrateDeviceData: false };
  const never = { updateHubAssignment: false, migrateDeviceData: true };

  it.each([
    ["first registration", undefined, "b", migrate, "b", "initialAssignment"],
    ["same hub again", "b", "b", migrate, "b", "reprovisionedToInitialAssignment"],
    ["new hub, migrate", "a", "b", migrate, "b", "deviceDataMigrated"],
    ["new hub, reset", "a", "b", reset, "b", "deviceDataReset"],
    ["never re-provision", "a", "b", never, "a", "reprovisionedToInitialAssignment"],
  ] as const)("%s", (_case, previous, proposed, policy, hub, substatus) => {
    expect(settleAssignment(previous, proposed, policy)).toEqual({ hub, substatus });
  });
});

/** Finds an ID that hashed allocation puts on HUB_A with both hubs linked, so moving it is observable. */
function deviceOnHubA(prefix: string): string {
  const hubs = parseEmulatorConfig(testConfig()).linkedHubs;
  for (let index = 0; ; index += 1) {
    const id = `${prefix}-${index}`;
    if (allocateHub("hashed", hubs, id)?.name === HUB_A) return id;
  }
}

describe("re-registration through the emulator", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.dispose());

  async function moveHubAOutOfAllocation() {
    await emulator.admin.patchConfig({
      linkedHubs: [
        { name: HUB_A, allocationWeight: 1, applyAllocationPolicy: false },
        { name: HUB_B, allocationWeight: 3 },
      ],
    });
  }

  async function restoreHubs() {
    await emulator.admin.patchConfig({ linkedHubs: testConfig().linkedHubs });
  }

  async function setPolicy(updateHubAssignment: boolean, migrateDeviceData: boolean) {
    await emulator.admin.patchConfig({
      enrollmentGroups: [
        { enrollmentGroupId: "fleet", reprovisionPolicy: { updateHubAssignment, migrateDeviceData } },
      ],
    });
  }

  it.each([
    [true, true, HUB_B, "deviceDataMigrated"],
    [true, false, HUB_B, "deviceDataReset"],
    [false, true, HUB_A, "reprovisionedToInitialAssignment"],
  ] as const)(
    "updateHubAssignment %s, migrateDeviceData %s: moved device ends on %s with %s",
    async (update, migrateData, hub, substatus) => {
      await restoreHubs();
      await setPolicy(update, migrateData);
      const registrationId = deviceOnHubA(`move-${update}-${migrateData}`);
      const token = fleetToken(registrationId);
      const first = await registerAndWait(emulator, registrationId, token);
      expect(first.registrationState).toMatchObject({ assignedHub: HUB_A, substatus: "initialAssignment" });

      await moveHubAOutOfAllocation();
      const second = await registerAndWait(emulator, registrationId, token);

      expect(second.registrationState).toMatchObject({ assignedHub: hub, substatus });
      expect(second.registrationState?.createdDateTimeUtc).toBe(first.registrationState?.createdDateTimeUtc);
      expect(second.registrationState?.etag).not.toBe(first.registrationState?.etag);
    },
  );
});
