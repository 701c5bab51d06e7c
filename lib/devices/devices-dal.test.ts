import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Readable } from "node:stream";
import { getDb } from "@/lib/database";
import { devices, integrations } from "@/db/schema";
import { dpsKeyContext } from "@/lib/integrations/azure-dps/provider";
import { estimateDuration, shutdownProvisioning } from "@/lib/provisioning";
import { getEngine } from "@/lib/provisioning/engine";
import { encryptSecret } from "@/lib/secrets/envelope";
import { currentKek } from "@/lib/secrets/secret-key";
import { truncate } from "@/tests/support/db";
import { signInAs, signOut } from "@/tests/support/session";

vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));

const dal = {
  ...(await import("./devices-dal")),
  ...(await import("./device-removal-dal")),
  ...(await import("./device-provisioning-dal")),
  ...(await import("./device-transfer-dal")),
};
const { AccessDeniedError } = await import("@/lib/auth/current-user");

afterAll(() => shutdownProvisioning());

describe("devices data-access layer permissions", () => {
  beforeEach(async () => {
    await truncate("devices", "users", "audit_log", "integrations");
    signOut();
  });

  it("lets support staff read devices but refuses every change, and changes nothing", async () => {
    const [device] = await getDb().insert(devices).values({ registrationId: "kept-01" }).returning();
    await signInAs("support");
    await expect(
      dal.listDevicesForView({ sort: "registrationId", hub: undefined, q: undefined }),
    ).resolves.toMatchObject({ devices: [{ registrationId: "kept-01" }] });
    await expect(dal.getDeviceForView(device!.id)).resolves.toBeTruthy();

    const refusals = [
      () => dal.addDevice({ registrationId: "sneaky-01", name: undefined, payload: undefined }),
      () => dal.removeDevice(device!.id),
      () => dal.reprovisionDevices({ deviceIds: [device!.id] }),
      () => dal.reprovisionDevices({ all: true }),
      () => dal.setProvisioningPaused(true),
      () => dal.importDevices(Readable.from([Buffer.from("sneaky-02,,\n")]), "x.csv"),
      () => dal.getImportReport(1),
    ];
    for (const refusal of refusals) await expect(refusal()).rejects.toBeInstanceOf(AccessDeniedError);
    const rows = await getDb().select().from(devices);
    expect(rows.map((r) => r.registrationId)).toEqual(["kept-01"]);
  });

  it("refuses everything without a session", async () => {
    await expect(
      dal.listDevicesForView({ sort: "registrationId", hub: undefined, q: undefined }),
    ).rejects.toMatchObject({ reason: "unauthenticated" });
    await expect(dal.exportDevices({})).rejects.toMatchObject({ reason: "unauthenticated" });
  });

  it("lets an operator add a device, which waits as pending while DPS is not connected", async () => {
    await signInAs("operator");
    const { device, provisioning } = await dal.addDevice({
      registrationId: "new-01",
      name: "New",
      payload: undefined,
    });
    expect(device.status).toBe("pending");
    expect(provisioning).toBeNull();
  });

  it("estimates re-provisioning every device from the counts it shows, at the tighter DPS quota, only while connected", async () => {
    await signInAs("operator");
    await getDb()
      .insert(devices)
      .values(Array.from({ length: 30 }, (_, i) => ({ registrationId: `estimate-${i}` })));
    expect((await dal.getDevicesOverview()).reprovisionEstimate).toBeNull();

    const key = Buffer.alloc(32, 0x44).toString("base64");
    await getDb()
      .insert(integrations)
      .values({
        id: "azure-dps",
        idScope: "0ne00A1B2C3",
        host: "dps.example.test",
        registrationsPerMinute: 600,
        operationsPerMinute: 600,
        primaryKeyCiphertext: encryptSecret(key, currentKek(), dpsKeyContext("primary")),
      });
    // The engine's view of the connection is cached for a second; the test does not wait it out.
    getEngine().gate.invalidate();
    const { counts, reprovisionEstimate } = await dal.getDevicesOverview();
    expect(counts.total).toBe(30);
    expect(reprovisionEstimate).toEqual({
      count: 30,
      seconds: estimateDuration(30, 600, 600),
      registrationsPerMinute: 600,
    });
    // Two operations per device: an operations quota equal to the registrations quota halves the pace.
    expect(reprovisionEstimate!.seconds).toBeGreaterThan(estimateDuration(30, 600));
  });
});
