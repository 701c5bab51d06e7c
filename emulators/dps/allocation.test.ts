import { describe, expect, it } from "vitest";

import { allocateHub, hashPoint } from "./allocation";
import { linkedHubSchema, type LinkedHub } from "./config";

const hub = (name: string, fields: Partial<LinkedHub> = {}): LinkedHub =>
  linkedHubSchema.parse({ name, ...fields });

describe("hub allocation", () => {
  it("spreads 10,000 devices over weights 1 and 3 within 2 points of 25 % / 75 %", () => {
    const hubs = [
      hub("light.azure-devices.net", { allocationWeight: 1 }),
      hub("heavy.azure-devices.net", { allocationWeight: 3 }),
    ];
    let light = 0;
    for (let index = 0; index < 10_000; index += 1) {
      if (
        allocateHub("hashed", hubs, `device-${index.toString().padStart(5, "0")}`)?.name ===
        "light.azure-devices.net"
      )
        light += 1;
    }
    expect(Math.abs(light / 10_000 - 0.25)).toBeLessThan(0.02);
  });

  it("gives the same device the same hub every time, whatever the case of its ID", () => {
    const hubs = ["a", "b", "c", "d"].map((letter) => hub(`${letter}.azure-devices.net`));
    const first = allocateHub("hashed", hubs, "Sensor-42");
    expect(allocateHub("hashed", hubs, "sensor-42")).toBe(first);
    expect(allocateHub("hashed", [...hubs], "SENSOR-42")).toBe(first);
    expect(hashPoint("x")).toBeGreaterThanOrEqual(0);
    expect(hashPoint("x")).toBeLessThan(1);
  });

  it("never hashes onto a hub with applyAllocationPolicy false", () => {
    const hubs = [
      hub("excluded.azure-devices.net", { allocationWeight: 1000, applyAllocationPolicy: false }),
      hub("kept.azure-devices.net"),
    ];
    for (let index = 0; index < 500; index += 1) {
      expect(allocateHub("hashed", hubs, `d-${index}`)?.name).toBe("kept.azure-devices.net");
    }
  });

  it("uses the single hub of a static enrollment", () => {
    expect(
      allocateHub("static", [hub("only.azure-devices.net", { applyAllocationPolicy: false })], "any")?.name,
    ).toBe("only.azure-devices.net");
  });

  it("picks the lowest-latency hub and breaks ties by weighted hash", () => {
    const far = hub("far.azure-devices.net", { latencyMs: 90, allocationWeight: 1000 });
    const nearA = hub("near-a.azure-devices.net", { latencyMs: 10, allocationWeight: 1 });
    const nearB = hub("near-b.azure-devices.net", { latencyMs: 10, allocationWeight: 1 });
    const unknown = hub("unknown.azure-devices.net");
    const chosen = new Set<string | undefined>();
    for (let index = 0; index < 200; index += 1)
      chosen.add(allocateHub("geoLatency", [far, nearA, nearB, unknown], `d-${index}`)?.name);
    expect([...chosen].sort()).toEqual(["near-a.azure-devices.net", "near-b.azure-devices.net"]);
    expect(allocateHub("geoLatency", [far, unknown], "d")?.name).toBe("far.azure-devices.net");
  });
});
