CREATE TABLE "hub_credentials" (
	"hub_host" text PRIMARY KEY NOT NULL,
	"policy_name" text NOT NULL,
	"key_ciphertext" text NOT NULL,
	"rights" jsonb,
	"rights_checked_at" timestamp with time zone,
	"rights_error" text,
	"saved_by" uuid,
	"saved_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "hub_credentials" ADD CONSTRAINT "hub_credentials_saved_by_users_id_fk" FOREIGN KEY ("saved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;