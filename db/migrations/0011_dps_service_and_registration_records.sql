CREATE TABLE "dps_registration_records" (
	"registration_key" text NOT NULL,
	"registration_id" text NOT NULL,
	"enrollment_group_id" text NOT NULL,
	"status" text NOT NULL,
	"substatus" text,
	"assigned_hub" text,
	"device_id" text,
	"etag" text,
	"error_code" integer,
	"error_message" text,
	"dps_created_at" timestamp with time zone,
	"dps_updated_at" timestamp with time zone,
	"seen_in_run" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registration_findings" (
	"run_id" bigint NOT NULL,
	"registration_key" text NOT NULL,
	"registration_id" text NOT NULL,
	"kind" text NOT NULL,
	"hub_differs" boolean DEFAULT false NOT NULL,
	"status_differs" boolean DEFAULT false NOT NULL,
	"device_id_differs" boolean DEFAULT false NOT NULL,
	"hub" text,
	"dps_status" text,
	"dps_hub" text,
	"dps_device_id" text,
	"dps_etag" text,
	"dps_updated_at" timestamp with time zone,
	"device_pk" bigint,
	"platform_status" text,
	"platform_hub" text,
	"platform_device_id" text
);
--> statement-breakpoint
CREATE TABLE "registration_reconciliations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "registration_reconciliations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"status" text DEFAULT 'queued' NOT NULL,
	"enrollment_group_id" text NOT NULL,
	"requested_by_id" uuid,
	"requested_by_email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"lease_owner" text,
	"finished_at" timestamp with time zone,
	"continuation_token" text,
	"pages" integer DEFAULT 0 NOT NULL,
	"records_seen" integer DEFAULT 0 NOT NULL,
	"resumes" integer DEFAULT 0 NOT NULL,
	"records" integer,
	"orphans" integer,
	"never_registered" integer,
	"hub_differs" integer,
	"status_differs" integer,
	"device_id_differs" integer,
	"agree" integer,
	"failure_kind" text,
	"failure_message" text
);
--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "service_host" text;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "service_policy_name" text;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "service_key_ciphertext" text;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "service_rights" jsonb;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "service_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "enrollment_group_id" text;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "enrollment_group_source" text;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "enrollment_group" jsonb;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "enrollment_group_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "enrollment_group_problem" text;--> statement-breakpoint
ALTER TABLE "registration_findings" ADD CONSTRAINT "registration_findings_run_id_registration_reconciliations_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."registration_reconciliations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_reconciliations" ADD CONSTRAINT "registration_reconciliations_requested_by_id_users_id_fk" FOREIGN KEY ("requested_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dps_registration_records_key_idx" ON "dps_registration_records" USING btree ("registration_key" collate "C");--> statement-breakpoint
CREATE INDEX "dps_registration_records_run_idx" ON "dps_registration_records" USING btree ("seen_in_run");--> statement-breakpoint
CREATE UNIQUE INDEX "registration_findings_key_idx" ON "registration_findings" USING btree ("run_id","registration_key" collate "C");--> statement-breakpoint
CREATE INDEX "registration_findings_kind_idx" ON "registration_findings" USING btree ("run_id","kind","registration_key" collate "C");--> statement-breakpoint
CREATE INDEX "registration_findings_hub_idx" ON "registration_findings" USING btree ("run_id","hub","registration_key" collate "C");--> statement-breakpoint
CREATE INDEX "registration_findings_hub_differs_idx" ON "registration_findings" USING btree ("run_id","registration_key" collate "C") WHERE "registration_findings"."hub_differs";--> statement-breakpoint
CREATE INDEX "registration_findings_status_differs_idx" ON "registration_findings" USING btree ("run_id","registration_key" collate "C") WHERE "registration_findings"."status_differs";--> statement-breakpoint
CREATE INDEX "registration_findings_device_id_differs_idx" ON "registration_findings" USING btree ("run_id","registration_key" collate "C") WHERE "registration_findings"."device_id_differs";--> statement-breakpoint
CREATE UNIQUE INDEX "registration_reconciliations_active_idx" ON "registration_reconciliations" USING btree ((true)) WHERE "registration_reconciliations"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "registration_reconciliations_completed_idx" ON "registration_reconciliations" USING btree ("finished_at" DESC NULLS LAST) WHERE "registration_reconciliations"."status" = 'completed';