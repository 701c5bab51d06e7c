CREATE TYPE "public"."device_hub_status" AS ENUM('unchecked', 'connected', 'refused', 'unreachable');--> statement-breakpoint
CREATE TABLE "device_hub_counts" (
	"hub_status" "device_hub_status" PRIMARY KEY NOT NULL,
	"count" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_circuits" (
	"hub" text PRIMARY KEY NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"failed_probes" integer DEFAULT 0 NOT NULL,
	"opened_at" timestamp with time zone,
	"open_until" timestamp with time zone,
	"last_error_message" text,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_status" "device_hub_status" DEFAULT 'unchecked' NOT NULL;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_checked_hub" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_error_code" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_error_message" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_next_step" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_check_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_check_lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "hub_check_tries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "devices_hub_status_reg_idx" ON "devices" USING btree ("hub_status",lower("registration_id") collate "C");--> statement-breakpoint
CREATE INDEX "devices_hub_status_updated_idx" ON "devices" USING btree ("hub_status","updated_at","id");--> statement-breakpoint
CREATE INDEX "devices_hub_check_due_idx" ON "devices" USING btree ("hub_check_due_at") WHERE "devices"."hub_check_due_at" is not null;--> statement-breakpoint
-- Every assignment (a device going from assigning to assigned: a first registration, a
-- re-provisioning, a new key) makes a hub check due, in the statement that records it, so no
-- assignment can lose its check whichever process records it.
CREATE FUNCTION devices_hub_check_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.hub_status := 'unchecked';
  NEW.hub_check_due_at := now();
  NEW.hub_check_lease_until := NULL;
  NEW.hub_check_tries := 0;
  NEW.hub_error_code := NULL;
  NEW.hub_error_message := NULL;
  NEW.hub_next_step := NULL;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER devices_hub_check_due BEFORE UPDATE OF status ON devices FOR EACH ROW
  WHEN (NEW.status = 'assigned' AND OLD.status IS DISTINCT FROM 'assigned')
  EXECUTE FUNCTION devices_hub_check_due();
--> statement-breakpoint
-- device_hub_counts kept exact like device_counts (statement-level, transition tables).
CREATE FUNCTION device_hub_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_hub_counts (hub_status, count)
  SELECT hub_status, count(*) FROM new_rows GROUP BY 1 ORDER BY 1
  ON CONFLICT (hub_status) DO UPDATE SET count = device_hub_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION device_hub_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_hub_counts (hub_status, count)
  SELECT hub_status, sum(delta) FROM (
    SELECT hub_status, -1 AS delta FROM old_rows
    UNION ALL
    SELECT hub_status, 1 FROM new_rows
  ) changes
  GROUP BY 1 HAVING sum(delta) <> 0 ORDER BY 1
  ON CONFLICT (hub_status) DO UPDATE SET count = device_hub_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION device_hub_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO device_hub_counts (hub_status, count)
  SELECT hub_status, -count(*) FROM old_rows GROUP BY 1 ORDER BY 1
  ON CONFLICT (hub_status) DO UPDATE SET count = device_hub_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION device_hub_counts_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM device_hub_counts;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER device_hub_counts_insert AFTER INSERT ON devices REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION device_hub_counts_after_insert();
--> statement-breakpoint
CREATE TRIGGER device_hub_counts_update AFTER UPDATE ON devices REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION device_hub_counts_after_update();
--> statement-breakpoint
CREATE TRIGGER device_hub_counts_delete AFTER DELETE ON devices REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION device_hub_counts_after_delete();
--> statement-breakpoint
CREATE TRIGGER device_hub_counts_truncate AFTER TRUNCATE ON devices FOR EACH STATEMENT EXECUTE FUNCTION device_hub_counts_after_truncate();
--> statement-breakpoint
INSERT INTO device_hub_counts (hub_status, count) SELECT hub_status, count(*) FROM devices GROUP BY 1;
