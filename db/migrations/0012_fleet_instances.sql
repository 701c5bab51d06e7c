CREATE TABLE "fleet_builds" (
	"build_id" text PRIMARY KEY NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fleet_instances" (
	"id" uuid PRIMARY KEY NOT NULL,
	"role" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"build_id" text,
	"actions_key_fingerprint" text,
	"auth_secret_fingerprint" text,
	"secret_key_fingerprint" text NOT NULL,
	"schema_version" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"serving" boolean DEFAULT false NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "fleet_instances_seen_at_index" ON "fleet_instances" USING btree ("seen_at");