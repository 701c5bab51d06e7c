ALTER TABLE "devices" DROP CONSTRAINT "devices_created_by_id_users_id_fk";
--> statement-breakpoint
DROP INDEX "devices_name_idx";--> statement-breakpoint
CREATE INDEX "devices_name_idx" ON "devices" USING btree ("status",lower("name") collate "C","id","name","registration_id",lower("registration_id") collate "C","updated_at","assigned_hub") WHERE "devices"."name" is not null;