CREATE TABLE "device_removals" (
	"device_id" bigint PRIMARY KEY NOT NULL,
	"choice" text NOT NULL,
	"leave_uncleanable" boolean DEFAULT false NOT NULL,
	"dps_record" text NOT NULL,
	"hub_identity" text NOT NULL,
	"hub" text,
	"problem" text NOT NULL,
	"requested_by_id" uuid,
	"requested_by_email" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_move_cleanups" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "hub_move_cleanups_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"device_id" bigint NOT NULL,
	"old_hub" text NOT NULL,
	"hub_device_id" text NOT NULL,
	"new_hub" text NOT NULL,
	"moved_at" timestamp with time zone DEFAULT now() NOT NULL,
	"tries" integer DEFAULT 0 NOT NULL,
	"next_try_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "clean_old_hub_on_move" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "device_removals" ADD CONSTRAINT "device_removals_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_removals" ADD CONSTRAINT "device_removals_requested_by_id_users_id_fk" FOREIGN KEY ("requested_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_move_cleanups" ADD CONSTRAINT "hub_move_cleanups_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hub_move_cleanups_due_idx" ON "hub_move_cleanups" USING btree ("next_try_at");--> statement-breakpoint
-- A device landing on another hub while "clean the old hub" is on queues the deletion of its old
-- identity, in the statement that records the move, whichever process records it. The old
-- identity's name is the device ID DPS gave it there (else the registration ID, DPS's default).
CREATE FUNCTION devices_hub_move_cleanup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM integrations WHERE clean_old_hub_on_move) THEN
    INSERT INTO hub_move_cleanups (device_id, old_hub, hub_device_id, new_hub)
    VALUES (NEW.id, OLD.assigned_hub, coalesce(OLD.dps_device_id, OLD.registration_id), NEW.assigned_hub);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER devices_hub_move_cleanup AFTER UPDATE OF assigned_hub ON devices FOR EACH ROW
  WHEN (OLD.assigned_hub IS NOT NULL AND NEW.assigned_hub IS NOT NULL
        AND lower(NEW.assigned_hub) IS DISTINCT FROM lower(OLD.assigned_hub))
  EXECUTE FUNCTION devices_hub_move_cleanup();
