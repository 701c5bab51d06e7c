CREATE TABLE "hub_drift_findings" (
	"run_id" bigint NOT NULL,
	"sort_key" text NOT NULL,
	"kind" text NOT NULL,
	"hub_host" text NOT NULL,
	"device_id" text NOT NULL,
	"registration_id" text,
	"device_pk" bigint,
	"platform_hub" text,
	"dps_hub" text,
	"identity_status" text,
	"status_reason" text,
	"identity_etag" text,
	"last_activity_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "hub_drift_identities" (
	"run_id" bigint NOT NULL,
	"hub_host" text NOT NULL,
	"device_key" text NOT NULL,
	"device_id" text NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"etag" text,
	"authentication_type" text,
	"last_activity_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "hub_drift_run_hubs" (
	"run_id" bigint NOT NULL,
	"hub_host" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"continuation_token" text,
	"pages" integer DEFAULT 0 NOT NULL,
	"identities" integer DEFAULT 0 NOT NULL,
	"waits" integer DEFAULT 0 NOT NULL,
	"problem" text,
	CONSTRAINT "hub_drift_run_hubs_run_id_hub_host_pk" PRIMARY KEY("run_id","hub_host")
);
--> statement-breakpoint
CREATE TABLE "hub_drift_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "hub_drift_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"status" text DEFAULT 'queued' NOT NULL,
	"requested_by_id" uuid,
	"requested_by_email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"lease_owner" text,
	"finished_at" timestamp with time zone,
	"resumes" integer DEFAULT 0 NOT NULL,
	"identities_seen" integer DEFAULT 0 NOT NULL,
	"missing" integer,
	"disabled" integer,
	"orphans" integer,
	"device_id_differs" integer,
	"stale" integer,
	"failure_kind" text,
	"failure_message" text
);
--> statement-breakpoint
ALTER TABLE "hub_drift_findings" ADD CONSTRAINT "hub_drift_findings_run_id_hub_drift_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."hub_drift_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_drift_identities" ADD CONSTRAINT "hub_drift_identities_run_id_hub_drift_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."hub_drift_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_drift_run_hubs" ADD CONSTRAINT "hub_drift_run_hubs_run_id_hub_drift_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."hub_drift_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_drift_runs" ADD CONSTRAINT "hub_drift_runs_requested_by_id_users_id_fk" FOREIGN KEY ("requested_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "hub_drift_findings_key_idx" ON "hub_drift_findings" USING btree ("run_id","sort_key" collate "C");--> statement-breakpoint
CREATE INDEX "hub_drift_findings_kind_idx" ON "hub_drift_findings" USING btree ("run_id","kind","sort_key" collate "C");--> statement-breakpoint
CREATE INDEX "hub_drift_findings_device_idx" ON "hub_drift_findings" USING btree ("run_id",lower("device_id") collate "C");--> statement-breakpoint
CREATE UNIQUE INDEX "hub_drift_identities_key_idx" ON "hub_drift_identities" USING btree ("run_id","hub_host","device_key" collate "C");--> statement-breakpoint
CREATE UNIQUE INDEX "hub_drift_runs_active_idx" ON "hub_drift_runs" USING btree ((true)) WHERE "hub_drift_runs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "hub_drift_runs_completed_idx" ON "hub_drift_runs" USING btree ("finished_at" DESC NULLS LAST) WHERE "hub_drift_runs"."status" = 'completed';