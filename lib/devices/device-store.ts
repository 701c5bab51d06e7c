import { desc, eq, sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { deviceCounts, deviceHubCounts, devices, provisioningHistory } from "@/db/schema";
import type { Actor } from "@/lib/audit/actor";
import type { NewDevice } from "@/lib/validation/device";
import { zeroCountsByStatus, type DeviceStatus } from "./device-statuses";
import { zeroCountsByHubStatus, type HubStatus } from "./hub-statuses";
import {
  toDeviceDetailDto,
  toHistoryEntryDto,
  type DeviceDetailDto,
  type HistoryEntryDto,
} from "./device-dto";

export class DuplicateDeviceError extends Error {
  constructor(registrationId: string) {
    super(
      `A device with the registration ID ${registrationId} already exists (IDs are compared without regard to case).`,
    );
  }
}

export async function insertDevice(input: NewDevice, actor: Actor): Promise<DeviceDetailDto> {
  const [row] = await getDb()
    .insert(devices)
    .values({
      registrationId: input.registrationId,
      name: input.name ?? null,
      payload: input.payload ?? null,
      createdById: actor?.id ?? null,
      createdByEmail: actor?.email ?? "cli",
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new DuplicateDeviceError(input.registrationId);
  return toDeviceDetailDto(row);
}

export async function findDevice(id: number): Promise<DeviceDetailDto | null> {
  const [row] = await getDb().select().from(devices).where(eq(devices.id, id));
  return row ? toDeviceDetailDto(row) : null;
}

export async function deviceHistory(id: number, limit = 200): Promise<HistoryEntryDto[]> {
  const rows = await getDb()
    .select()
    .from(provisioningHistory)
    .where(eq(provisioningHistory.deviceId, id))
    .orderBy(desc(provisioningHistory.id))
    .limit(limit);
  return rows.map(toHistoryEntryDto);
}

export async function deleteDevice(id: number): Promise<DeviceDetailDto | null> {
  const [row] = await getDb().delete(devices).where(eq(devices.id, id)).returning();
  return row ? toDeviceDetailDto(row) : null;
}

export type DeviceCountsDto = {
  total: number;
  byStatus: Record<DeviceStatus, number>;
  byHub: { hub: string; count: number }[];
  withoutHub: number;
  /** Devices per hub status (what the last check of their hub found). */
  byHubStatus: Record<HubStatus, number>;
};

/** From the trigger-maintained counts table: a handful of rows whatever the fleet size. */
export async function readDeviceCounts(): Promise<DeviceCountsDto> {
  const rows = await getDb()
    .select()
    .from(deviceCounts)
    .where(sql`${deviceCounts.count} > 0`);
  const byStatus = zeroCountsByStatus();
  const hubs = new Map<string, number>();
  let withoutHub = 0;
  for (const r of rows) {
    byStatus[r.status] += r.count;
    if (r.hub) hubs.set(r.hub, (hubs.get(r.hub) ?? 0) + r.count);
    else withoutHub += r.count;
  }
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const byHub = [...hubs]
    .map(([hub, count]) => ({ hub, count }))
    .sort((a, b) => b.count - a.count || a.hub.localeCompare(b.hub));
  const byHubStatus = zeroCountsByHubStatus();
  for (const r of await getDb().select().from(deviceHubCounts))
    byHubStatus[r.hubStatus] += Math.max(0, r.count);
  return { total, byStatus, byHub, withoutHub, byHubStatus };
}
