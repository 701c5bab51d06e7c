CREATE TYPE "public"."device_status" AS ENUM('pending', 'assigning', 'assigned', 'failed', 'disabled');--> statement-breakpoint
CREATE TABLE "devices" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "devices_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"registration_id" text NOT NULL,
	"name" text,
	"payload" jsonb,
	"created_by_id" uuid,
	"created_by_email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" "device_status" DEFAULT 'pending' NOT NULL,
	"assigned_hub" text,
	"dps_device_id" text,
	"substatus" text,
	"etag" text,
	"dps_created_at" timestamp with time zone,
	"dps_updated_at" timestamp with time zone,
	"last_operation_id" text,
	"last_error_kind" text,
	"last_error_code" text,
	"last_error_message" text,
	"attempt_count" integer DEFAULT 0 NOT NULL,
	"next_retry_at" timestamp with time zone,
	"attempt_id" uuid,
	"lease_expires_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning_history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "provisioning_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"device_id" bigint NOT NULL,
	"attempt_id" uuid NOT NULL,
	"run_id" bigint,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"trigger" text NOT NULL,
	"operation_id" text,
	"outcome" text NOT NULL,
	"hub" text,
	"previous_hub" text,
	"substatus" text,
	"error_kind" text,
	"error_code" text,
	"error_message" text,
	"duration_ms" integer NOT NULL,
	"key_used" text,
	"triggered_by_id" uuid,
	"triggered_by_email" text
);
--> statement-breakpoint
CREATE TABLE "provisioning_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "provisioning_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"trigger" text NOT NULL,
	"total" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by_email" text,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "rate_limiter" (
	"name" text PRIMARY KEY NOT NULL,
	"next_slot_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" text PRIMARY KEY NOT NULL,
	"id_scope" text,
	"host" text,
	"registrations_per_minute" integer DEFAULT 1000 NOT NULL,
	"operations_per_minute" integer DEFAULT 1000 NOT NULL,
	"primary_key_ciphertext" text,
	"secondary_key_ciphertext" text,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone,
	"updated_by_id" uuid,
	"updated_by_email" text,
	"last_success_at" timestamp with time zone,
	"last_success_summary" text,
	"last_failure_at" timestamp with time zone,
	"last_failure_kind" text,
	"last_failure_message" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioning_control" (
	"id" text PRIMARY KEY NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"changed_at" timestamp with time zone,
	"changed_by_email" text
);
--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_history" ADD CONSTRAINT "provisioning_history_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_history" ADD CONSTRAINT "provisioning_history_triggered_by_id_users_id_fk" FOREIGN KEY ("triggered_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "devices_registration_id_idx" ON "devices" USING btree (lower("registration_id") collate "C");--> statement-breakpoint
CREATE INDEX "devices_status_reg_idx" ON "devices" USING btree ("status",lower("registration_id") collate "C");--> statement-breakpoint
CREATE INDEX "devices_hub_reg_idx" ON "devices" USING btree ("assigned_hub",lower("registration_id") collate "C");--> statement-breakpoint
CREATE INDEX "devices_name_idx" ON "devices" USING btree (lower("name") collate "C","id");--> statement-breakpoint
CREATE INDEX "devices_updated_idx" ON "devices" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "devices_status_updated_idx" ON "devices" USING btree ("status","updated_at","id");--> statement-breakpoint
CREATE INDEX "devices_hub_updated_idx" ON "devices" USING btree ("assigned_hub","updated_at","id");--> statement-breakpoint
CREATE INDEX "devices_lease_idx" ON "devices" USING btree ("lease_expires_at") WHERE "devices"."status" = 'assigning';--> statement-breakpoint
CREATE UNIQUE INDEX "provisioning_history_attempt_idx" ON "provisioning_history" USING btree ("attempt_id");--> statement-breakpoint
CREATE INDEX "provisioning_history_device_idx" ON "provisioning_history" USING btree ("device_id","id" DESC NULLS LAST);