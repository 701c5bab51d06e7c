import { describe, expect, it } from "vitest";

import { applyConfigPatch, EmulatorConfigError, parseEmulatorConfig, publicConfig } from "./config";
import { FLEET_GROUP, HUB_A, HUB_B, testConfig } from "@/tests/support/dps-emulator";

function refusal(input: unknown): string {
  try {
    parseEmulatorConfig(input);
  } catch (error) {
    if (error instanceof EmulatorConfigError) return error.message;
    throw error;
  }
  throw new Error("config was accepted");
}

const withGroup = (group: Record<string, unknown>) => ({
  ...testConfig(),
  enrollmentGroups: [{ ...FLEET_GROUP, ...group }],
});

describe("emulator configuration", () => {
  it("fills the DPS defaults: DPS quotas, no faults, Retry-After 3, reprovision and migrate", () => {
    const config = parseEmulatorConfig({
      idScope: "0ne00000A0A",
      linkedHubs: [{ name: HUB_A }],
      enrollmentGroups: [
        {
          enrollmentGroupId: "g",
          primaryKey: Buffer.alloc(16).toString("base64"),
          secondaryKey: Buffer.alloc(64).toString("base64"),
        },
      ],
    });
    expect(config).toMatchObject({
      retryAfterSeconds: 3,
      assignmentDelayMs: 0,
      quotas: { registrationsPerMinute: 1000, operationsPerMinute: 1000, pollsPer10sPerDevice: 5 },
      faults: {
        serverErrorRate: 0,
        resetRate: 0,
        malformedRate: 0,
        throttleRate: 0,
        extraLatencyMs: 0,
        unreachable: false,
      },
      linkedHubs: [{ allocationWeight: 1, applyAllocationPolicy: true }],
      enrollmentGroups: [
        {
          allocationPolicy: "hashed",
          iotHubs: [],
          provisioningStatus: "enabled",
          reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
        },
      ],
    });
  });

  it("names the field and the reason for a key that is not base64 of 16 to 64 bytes", () => {
    expect(refusal(withGroup({ primaryKey: Buffer.alloc(8).toString("base64") }))).toBe(
      "config: enrollmentGroups[0].primaryKey: must be base64 of 16 to 64 bytes",
    );
    expect(refusal(withGroup({ secondaryKey: "not base64!" }))).toContain(
      "enrollmentGroups[0].secondaryKey: must be base64",
    );
  });

  it("refuses weights outside 1-1000, unknown policies, unknown fields and hubs that are not linked", () => {
    const base = testConfig();
    expect(refusal({ ...base, linkedHubs: [{ name: HUB_A, allocationWeight: 0 }] })).toContain(
      "linkedHubs[0].allocationWeight: must be 1 to 1000",
    );
    expect(refusal(withGroup({ allocationPolicy: "roundRobin" }))).toContain(
      "enrollmentGroups[0].allocationPolicy",
    );
    expect(refusal({ ...base, retryAfterSecs: 2 })).toContain("retryAfterSecs");
    expect(refusal(withGroup({ iotHubs: ["elsewhere.azure-devices.net"] }))).toContain(
      'enrollmentGroups[0].iotHubs[0]: "elsewhere.azure-devices.net" is not a linked hub',
    );
  });

  it("requires exactly one hub for static and a webhook URL for custom", () => {
    expect(refusal(withGroup({ allocationPolicy: "static", iotHubs: [HUB_A, HUB_B] }))).toContain(
      "enrollmentGroups[0].iotHubs: the static policy needs exactly one hub",
    );
    expect(refusal(withGroup({ allocationPolicy: "custom" }))).toContain(
      "enrollmentGroups[0].customAllocationWebhookUrl: the custom policy needs a webhook URL",
    );
    expect(
      refusal(withGroup({ allocationPolicy: "custom", customAllocationWebhookUrl: "ftp://x" })),
    ).toContain("must be an http or https URL");
  });

  it("refuses a runtime change that would leave a hashed group without an eligible hub, and merges groups by id", () => {
    const config = parseEmulatorConfig(testConfig());
    expect(() =>
      applyConfigPatch(config, {
        linkedHubs: [
          { name: HUB_A, applyAllocationPolicy: false },
          { name: HUB_B, applyAllocationPolicy: false },
        ],
      }),
    ).toThrow(/enrollmentGroups\[0\]\.iotHubs: the hashed policy needs a candidate hub/);
    const patched = applyConfigPatch(config, {
      enrollmentGroups: [{ enrollmentGroupId: "fleet", provisioningStatus: "disabled" }],
      quotas: { pollsPer10sPerDevice: 7 },
    });
    expect(patched.enrollmentGroups[0]).toMatchObject({
      enrollmentGroupId: "fleet",
      provisioningStatus: "disabled",
      primaryKey: config.enrollmentGroups[0]?.primaryKey,
    });
    expect(patched.quotas).toEqual({ ...config.quotas, pollsPer10sPerDevice: 7 });
  });

  it("never shows group keys in the public view", () => {
    const shown = JSON.stringify(publicConfig(parseEmulatorConfig(testConfig())));
    expect(shown).not.toContain("primaryKey");
    expect(shown).not.toContain("secondaryKey");
    expect(shown).toContain("fleet");
  });
});
