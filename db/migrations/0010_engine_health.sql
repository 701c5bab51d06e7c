CREATE TABLE "dps_circuit" (
	"id" text PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'closed' NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"failing_since" timestamp with time zone,
	"since" timestamp with time zone,
	"next_probe_at" timestamp with time zone,
	"failed_probes" integer DEFAULT 0 NOT NULL,
	"probe_owner" uuid,
	"probe_until" timestamp with time zone,
	"last_error_kind" text,
	"last_error_message" text,
	"refused_version" integer,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dps_circuit_state_check" CHECK ("dps_circuit"."state" in ('closed', 'open', 'key-refused'))
);
--> statement-breakpoint
CREATE TABLE "provisioning_processes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"role" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "attempt_owner" uuid;--> statement-breakpoint
CREATE INDEX "provisioning_processes_heartbeat_idx" ON "provisioning_processes" USING btree ("heartbeat_at");--> statement-breakpoint
-- Custom: the one row every worker updates in place.
INSERT INTO "dps_circuit" ("id") VALUES ('dps') ON CONFLICT DO NOTHING;
