CREATE TABLE "environment_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"version" text NOT NULL,
	"kind" text NOT NULL,
	"key" text DEFAULT '' NOT NULL,
	"detail" jsonb,
	"at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "before" jsonb;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "after" jsonb;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "environment_events_once_idx" ON "environment_events" USING btree ("deployment_id","environment","kind","key");--> statement-breakpoint
CREATE INDEX "environment_events_cell_idx" ON "environment_events" USING btree ("service","environment","kind","at");--> statement-breakpoint
CREATE INDEX "environment_events_deployment_idx" ON "environment_events" USING btree ("deployment_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_key_idx" ON "audit_log" USING btree ("key");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_subject_idx" ON "audit_log" USING btree ("subject","at");