-- The unique registration-ID index, rebuilt to also carry what a search sorted by last update
-- reads from a registration-ID range (drizzle cannot declare INCLUDE columns; see db/schema/devices.ts).
CREATE UNIQUE INDEX "devices_registration_id_covering_idx" ON "devices" USING btree (lower("registration_id") collate "C") INCLUDE ("registration_id", "updated_at", "id", "status", "assigned_hub");--> statement-breakpoint
DROP INDEX "devices_registration_id_idx";--> statement-breakpoint
ALTER INDEX "devices_registration_id_covering_idx" RENAME TO "devices_registration_id_idx";
