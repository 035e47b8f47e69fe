CREATE TABLE "build_log_chunks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"build_id" text NOT NULL,
	"command_key" text NOT NULL,
	"offset" bigint NOT NULL,
	"text" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "builds" (
	"id" text PRIMARY KEY NOT NULL,
	"job_path" text NOT NULL,
	"number" integer NOT NULL,
	"status" text NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"definition" jsonb NOT NULL,
	"commit" text,
	"ref" text,
	"host" text,
	"commands" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reason" text,
	"triggered_by" text NOT NULL,
	"rebuild_of" text,
	"seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"path" text PRIMARY KEY NOT NULL,
	"definition" jsonb NOT NULL,
	"parent_path" text,
	"next_number" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "build_log_chunks_build_idx" ON "build_log_chunks" USING btree ("build_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "build_log_chunks_key_idx" ON "build_log_chunks" USING btree ("build_id","command_key","offset");--> statement-breakpoint
CREATE UNIQUE INDEX "builds_job_number_idx" ON "builds" USING btree ("job_path","number");