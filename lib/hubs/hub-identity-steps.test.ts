import { describe, expect, it } from "vitest";
import { blockedStatusReason, hubWriteAccess, writeRefusal } from "./hub-identity-steps";

const connection = {
  hostName: "hub-a.azure-devices.net",
  policyName: "registryReadWrite",
  key: "c2VjcmV0LWtleQ==",
};

describe("a hub identity step's preconditions", () => {
  it("says who blocked the device and when, within IoT Hub's 128 characters, without a key", () => {
    const at = new Date("2026-12-07T06:10:11.123Z");
    expect(blockedStatusReason("ops@example.com", at)).toBe(
      "Blocked by ops@example.com at 2026-12-07T06:10:11Z (Hyperscaler Integration Center)",
    );
    const long = blockedStatusReason(`${"x".repeat(200)}@example.com`, at);
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toMatch(/^Blocked by x+… at 2026-12-07T06:10:11Z$/);
    expect(blockedStatusReason(null, at)).toContain("Blocked by the platform");
  });

  it("refuses to write with a policy known to lack registryWrite, and tries one not probed yet", () => {
    expect(writeRefusal("hub-a", "reader", { registryRead: true, registryWrite: false })).toBe(
      'the policy "reader" saved for hub-a may only read its registry (it lacks registryWrite)',
    );
    expect(writeRefusal("hub-a", "writer", { registryRead: true, registryWrite: true })).toBeNull();
    expect(writeRefusal("hub-a", "unprobed", null)).toBeNull();
  });

  it("names a hub without credentials, and credentials that no longer decrypt, never the key", async () => {
    expect(await hubWriteAccess(async () => null, "hub-a")).toEqual({
      ok: false,
      reason: "no hub credentials are saved for hub-a",
    });
    const undecryptable = await hubWriteAccess(async () => {
      throw new Error(`bad tag for ${connection.key}`);
    }, "hub-a");
    expect(undecryptable).toMatchObject({
      ok: false,
      reason: expect.stringContaining("cannot be decrypted"),
    });
    expect(JSON.stringify(undecryptable)).not.toContain(connection.key);
    const writable = await hubWriteAccess(async () => ({ connection, rights: null }), "hub-a");
    expect(writable).toMatchObject({ ok: true });
  });
});
