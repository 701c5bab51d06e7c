import Papa from "papaparse";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { devices } from "@/db/schema";
import type { DeviceFilter } from "@/lib/validation/device";
import { DEVICE_CSV_HEADER, deviceCsvRow } from "./device-columns";
import { toDeviceDto } from "./device-dto";
import { filterConditions } from "./list-devices";

/**
 * Spreadsheet programs run a cell that starts with = + - @ (or a tab / carriage return) as a
 * formula; a leading apostrophe makes it text (OWASP "CSV injection").
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The current filter's devices as CSV, produced in keyset batches so a million rows stream in flat memory. */
export async function* exportDevicesCsv(
  filter: Partial<Pick<DeviceFilter, "status" | "hubStatus" | "hub" | "q">>,
  batchSize = 5000,
): AsyncGenerator<string> {
  yield Papa.unparse([DEVICE_CSV_HEADER], { newline: "\r\n" }) + "\r\n";
  let lastId = 0;
  for (;;) {
    const conditions = [...filterConditions(filter), sql`id > ${lastId}`];
    const rows = await getDb()
      .select()
      .from(devices)
      .where(sql.join(conditions, sql` and `))
      .orderBy(devices.id)
      .limit(batchSize);
    if (rows.length === 0) return;
    lastId = rows.at(-1)!.id;
    const cells = rows.map((row) => deviceCsvRow(toDeviceDto(row)).map(neutralizeCell));
    yield Papa.unparse(cells, { newline: "\r\n" }) + "\r\n";
  }
}
