import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";

/** Empties the given tables so a test file starts from a known state in the shared test database. */
export async function truncate(...tables: string[]): Promise<void> {
  await getDb().execute(sql.raw(`truncate ${tables.join(", ")} restart identity cascade`));
}

export type PlatformDevice = { status: string; hub?: string | null; deviceId?: string | null };

/**
 * One device as the platform records it: its status, the hub it was assigned to and DPS's device ID
 * (`deviceIdByDefault` when the test names none).
 */
export async function insertPlatformDevice(
  registrationId: string,
  values: PlatformDevice,
  deviceIdByDefault: string | null,
): Promise<void> {
  await getDb().$client.query(
    `insert into devices (registration_id, status, assigned_hub, dps_device_id) values ($1, $2, $3, $4)`,
    [
      registrationId,
      values.status,
      values.hub ?? null,
      values.deviceId === undefined ? deviceIdByDefault : values.deviceId,
    ],
  );
}
