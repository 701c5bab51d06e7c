CREATE TABLE "device_import_report_chunks" (
	"import_id" bigint NOT NULL,
	"seq" integer NOT NULL,
	"csv" text NOT NULL,
	CONSTRAINT "device_import_report_chunks_import_id_seq_pk" PRIMARY KEY("import_id","seq")
);
--> statement-breakpoint
ALTER TABLE "device_imports" ADD COLUMN "status" text DEFAULT 'complete' NOT NULL;--> statement-breakpoint
ALTER TABLE "device_imports" ADD COLUMN "stop_reason" text;--> statement-breakpoint
ALTER TABLE "device_imports" ADD COLUMN "finished_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "session_generation" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "device_import_report_chunks" ADD CONSTRAINT "device_import_report_chunks_import_id_device_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."device_imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Reports of earlier imports move into the chunk table as one chunk each, without their header
-- line (the download writes it); the column is dropped in 0007.
INSERT INTO "device_import_report_chunks" ("import_id", "seq", "csv") SELECT "id", 0, substr("report_csv", strpos("report_csv", E'\n') + 1) FROM "device_imports";--> statement-breakpoint
UPDATE "device_imports" SET "finished_at" = "created_at";
