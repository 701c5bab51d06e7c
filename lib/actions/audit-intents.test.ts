import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/lib/database";
import { auditLog, devices } from "@/db/schema";
import { shutdownProvisioning } from "@/lib/provisioning";
import { truncate } from "@/tests/support/db";
import { signInAs } from "@/tests/support/session";

vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));

const { setProvisioningPausedAction } = await import("./set-provisioning-paused");
const { reprovisionDevicesAction } = await import("./reprovision-devices");
const { setUserDisabledAction } = await import("./set-user-disabled");

async function audited(): Promise<[string, string][]> {
  const rows = await getDb()
    .select({ action: auditLog.action, outcome: auditLog.outcome })
    .from(auditLog)
    .orderBy(auditLog.id);
  return rows.map((row) => [row.action, row.outcome]);
}

afterAll(() => shutdownProvisioning());

describe("audit action names", () => {
  beforeEach(() => truncate("audit_log", "users", "devices", "provisioning_control"));

  it("records a refused action under the intent it would have been recorded under had it succeeded", async () => {
    const [device] = await getDb().insert(devices).values({ registrationId: "intent-01" }).returning();
    const target = await signInAs("support");
    await signInAs("support");
    await setProvisioningPausedAction({ paused: true });
    await setProvisioningPausedAction({ paused: false });
    await reprovisionDevicesAction({ deviceIds: [device!.id] });
    await reprovisionDevicesAction({ deviceIds: [device!.id], retry: true });
    await reprovisionDevicesAction({ all: true });
    await setUserDisabledAction({ userId: target.id, disabled: false });
    expect(await audited()).toEqual([
      ["provisioning.pause", "denied"],
      ["provisioning.resume", "denied"],
      ["device.reprovision", "denied"],
      ["device.retry", "denied"],
      ["devices.reprovision", "denied"],
      ["user.enable", "denied"],
    ]);

    await signInAs("operator");
    expect(await setProvisioningPausedAction({ paused: true })).toMatchObject({ ok: true });
    expect(await setProvisioningPausedAction({ paused: false })).toMatchObject({ ok: true });
    expect((await audited()).slice(-2)).toEqual([
      ["provisioning.pause", "success"],
      ["provisioning.resume", "success"],
    ]);
  });
});
