CREATE TABLE "device_counts" (
	"status" "device_status" NOT NULL,
	"hub" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "device_counts_status_hub_pk" PRIMARY KEY("status","hub")
);
