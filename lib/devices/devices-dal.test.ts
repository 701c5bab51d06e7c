import { beforeEach, describe, expect, it, vi } from "vitest";
import { Readable } from "node:stream";
import { getDb } from "@/db/client";
import { devices } from "@/db/schema";
import { createUser } from "@/lib/users/store";
import { truncate } from "@/tests/support/db";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("@/lib/auth/session-source", () => ({ sessionClaims: async () => (session.userId ? { userId: session.userId, generation: 0 } : null) }));
vi.mock("react", async (orig) => ({ ...(await orig<typeof import("react")>()), cache: <T>(fn: T) => fn }));

const dal = await import("./devices-dal");
const { AccessDeniedError } = await import("@/lib/auth/current-user");

async function signInAs(role: "admin" | "operator" | "support") {
  const user = await createUser({ email: `${role}-${Date.now()}@example.com`, password: "password-123456", role });
  session.userId = user.id;
}

describe("devices data-access layer permissions", () => {
  beforeEach(async () => {
    await truncate("devices", "users", "audit_log");
    session.userId = null;
  });

  it("lets support staff read devices but refuses every change, and changes nothing", async () => {
    const [device] = await getDb().insert(devices).values({ registrationId: "kept-01" }).returning();
    await signInAs("support");
    await expect(dal.listDevicesForView({ sort: "registrationId", hub: undefined, q: undefined })).resolves.toMatchObject({ devices: [{ registrationId: "kept-01" }] });
    await expect(dal.getDeviceForView(device!.id)).resolves.toBeTruthy();

    const refusals = [
      () => dal.addDevice({ registrationId: "sneaky-01", name: undefined, payload: undefined }),
      () => dal.removeDevice(device!.id),
      () => dal.reprovisionDevices({ deviceIds: [device!.id] }),
      () => dal.reprovisionDevices({ all: true }),
      () => dal.setEnginePaused(true),
      () => dal.importDevices(Readable.from([Buffer.from("sneaky-02,,\n")]), "x.csv"),
      () => dal.getImportReport(1),
    ];
    for (const refusal of refusals) await expect(refusal()).rejects.toBeInstanceOf(AccessDeniedError);
    const rows = await getDb().select().from(devices);
    expect(rows.map((r) => r.registrationId)).toEqual(["kept-01"]);
  });

  it("refuses everything without a session", async () => {
    await expect(dal.listDevicesForView({ sort: "registrationId", hub: undefined, q: undefined })).rejects.toMatchObject({ reason: "unauthenticated" });
    await expect(dal.exportDevices({})).rejects.toMatchObject({ reason: "unauthenticated" });
  });

  it("lets an operator add a device, which waits as pending while DPS is not connected", async () => {
    await signInAs("operator");
    const { device, provisioning } = await dal.addDevice({ registrationId: "new-01", name: "New", payload: undefined });
    expect(device.status).toBe("pending");
    expect(provisioning).toBeNull();
  });
});
