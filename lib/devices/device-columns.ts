import type { DeviceDto } from "./device-dto";

type CsvField = { header: string; value: (device: DeviceDto) => string };

/**
 * The devices list's columns, in order: what support staff come for first (ID, status, hub), then
 * the rest. The table's headings and the CSV export's fields both come from here, so a column
 * added or moved shows up in both. A column may export more than one field
 * (the table explains the last error; the file keeps its code and DPS's message apart).
 */
export const DEVICE_COLUMNS = [
  {
    id: "registrationId",
    label: "Registration ID",
    csv: [{ header: "registrationId", value: (d) => d.registrationId }],
  },
  { id: "status", label: "Status", csv: [{ header: "status", value: (d) => d.status }] },
  {
    id: "hubStatus",
    label: "Hub status",
    csv: [
      { header: "hubStatus", value: (d) => d.hubStatus },
      { header: "hubCheckedAt", value: (d) => d.hubCheckedAt ?? "" },
      { header: "hubErrorCode", value: (d) => d.hubErrorCode ?? "" },
      { header: "hubErrorMessage", value: (d) => d.hubErrorMessage ?? "" },
    ],
  },
  {
    id: "assignedHub",
    label: "Assigned IoT hub",
    csv: [{ header: "assignedHub", value: (d) => d.assignedHub ?? "" }],
  },
  { id: "name", label: "Name", csv: [{ header: "name", value: (d) => d.name ?? "" }] },
  { id: "deviceId", label: "Device ID", csv: [{ header: "deviceId", value: (d) => d.dpsDeviceId ?? "" }] },
  { id: "substatus", label: "Substatus", csv: [{ header: "substatus", value: (d) => d.substatus ?? "" }] },
  { id: "updatedAt", label: "Last updated", csv: [{ header: "lastUpdated", value: (d) => d.updatedAt }] },
  {
    id: "lastError",
    label: "Last error",
    csv: [
      { header: "lastErrorCode", value: (d) => d.lastErrorCode ?? "" },
      { header: "lastErrorMessage", value: (d) => d.lastErrorMessage ?? "" },
    ],
  },
] as const satisfies readonly { id: string; label: string; csv: readonly CsvField[] }[];

export type DeviceColumnId = (typeof DEVICE_COLUMNS)[number]["id"];

export const DEVICE_CSV_HEADER: readonly string[] = DEVICE_COLUMNS.flatMap((column) =>
  column.csv.map((field) => field.header),
);

export function deviceCsvRow(device: DeviceDto): string[] {
  return DEVICE_COLUMNS.flatMap((column) => column.csv.map((field: CsvField) => field.value(device)));
}
