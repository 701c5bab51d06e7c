DROP INDEX "devices_hub_reg_idx";--> statement-breakpoint
DROP INDEX "devices_name_idx";--> statement-breakpoint
DROP INDEX "devices_hub_updated_idx";--> statement-breakpoint
CREATE INDEX "devices_status_hub_reg_idx" ON "devices" USING btree ("status",coalesce("assigned_hub", ''),lower("registration_id") collate "C");--> statement-breakpoint
CREATE INDEX "devices_status_hub_updated_idx" ON "devices" USING btree ("status",coalesce("assigned_hub", ''),"updated_at","id");--> statement-breakpoint
CREATE INDEX "devices_hub_reg_idx" ON "devices" USING btree (coalesce("assigned_hub", ''),lower("registration_id") collate "C");--> statement-breakpoint
CREATE INDEX "devices_name_idx" ON "devices" USING btree ("status",lower("name") collate "C","id","name","registration_id",lower("registration_id") collate "C","updated_at","assigned_hub");--> statement-breakpoint
CREATE INDEX "devices_hub_updated_idx" ON "devices" USING btree (coalesce("assigned_hub", ''),"updated_at","id");