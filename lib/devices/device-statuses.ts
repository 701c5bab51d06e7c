/**
 * The device statuses for the domain and the browser: the list itself lives with the schema
 * (db/schema/device-statuses.ts) so the engine and the enum share it; pages and components import
 * it from here, never from db/.
 */
export { DEVICE_STATUSES, zeroCountsByStatus, type DeviceStatus } from "@/db/schema/device-statuses";
