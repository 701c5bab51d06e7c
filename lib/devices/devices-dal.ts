import "server-only";
import { requirePermission } from "@/lib/auth/current-user";
import { recordAudit } from "@/lib/audit/record";
import { UserFacingError } from "@/lib/errors";
import { loadDpsCredentials } from "@/lib/integrations/azure-dps/credentials";
import { readDpsIntegrationRow } from "@/lib/integrations/azure-dps/integration-store";
import { estimateDuration, getEngineStatus, provisionDeviceNow } from "@/lib/provisioning";
import type { DeviceFilter, NewDevice } from "@/lib/validation/device";
import { listDevices, type DevicePage } from "./list-devices";
import {
  deviceHistory,
  DuplicateDeviceError,
  findDevice,
  insertDevice,
  readDeviceCounts,
} from "./device-store";

export async function listDevicesForView(filter: DeviceFilter): Promise<DevicePage> {
  await requirePermission("devices.view");
  return listDevices(filter);
}

export type ReprovisionEstimate = { count: number; seconds: number; registrationsPerMinute: number };

/**
 * Whether removing a device can also delete its DPS registration record: a service connection string
 * is saved and its policy was not found lacking Registration status write. From the row, without
 * decrypting anything, since the devices page asks on every refresh.
 */
async function recordCleanupOption(): Promise<{ available: boolean; policyName: string | null }> {
  const row = await readDpsIntegrationRow();
  const configured = Boolean(row?.serviceKeyCiphertext && row.primaryKeyCiphertext);
  return {
    available: configured && row?.serviceRights?.registrationStatusWrite !== false,
    policyName: configured ? (row?.servicePolicyName ?? null) : null,
  };
}

/**
 * The devices page's counts and engine status and, while DPS is connected, what re-provisioning
 * every device would take. The estimate comes from what was just read (the counts, and the quotas
 * in the engine's cached view of the credentials), so the page's auto-refresh every few seconds
 * neither counts again nor decrypts the key again for it.
 */
export async function getDevicesOverview() {
  await requirePermission("devices.view");
  const [counts, engine, recordCleanup] = await Promise.all([
    readDeviceCounts(),
    getEngineStatus(),
    recordCleanupOption(),
  ]);
  const reprovisionEstimate: ReprovisionEstimate | null = engine.connected
    ? {
        count: counts.total,
        // Each device costs a registration and at least one poll: the tighter of the two quotas sets the pace.
        seconds: estimateDuration(counts.total, engine.registrationsPerMinute, engine.operationsPerMinute),
        registrationsPerMinute: engine.registrationsPerMinute,
      }
    : null;
  return { counts, engine, reprovisionEstimate, recordCleanup };
}

export async function getDeviceForView(id: number) {
  await requirePermission("devices.view");
  const device = await findDevice(id);
  if (!device) return null;
  return { device, history: await deviceHistory(id) };
}

/** Adds a device and, while DPS is connected, provisions it right away so the user sees its hub. */
export async function addDevice(input: NewDevice) {
  const actor = await requirePermission("devices.manage");
  let device;
  try {
    device = await insertDevice(input, actor);
  } catch (error) {
    if (error instanceof DuplicateDeviceError)
      throw new UserFacingError(error.message, { registrationId: [error.message] });
    throw error;
  }
  await recordAudit({ actor, action: "device.add", target: device.registrationId, outcome: "success" });
  if (!(await loadDpsCredentials())) return { device, provisioning: null };
  const provisioning = await provisionDeviceNow(device.id, { trigger: "add", actor });
  return { device: (await findDevice(device.id)) ?? device, provisioning };
}
