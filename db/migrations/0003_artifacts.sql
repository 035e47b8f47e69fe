CREATE TABLE "artifacts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"service" text NOT NULL,
	"version" text NOT NULL,
	"digest" text,
	"commit" text,
	"build_id" text,
	"registered_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_service_version_idx" ON "artifacts" USING btree ("service","version");