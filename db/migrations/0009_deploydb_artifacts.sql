DROP INDEX "artifacts_service_version_idx";--> statement-breakpoint
ALTER TABLE "artifacts" ADD COLUMN "module" text;--> statement-breakpoint
ALTER TABLE "artifacts" ADD COLUMN "source_url" text;--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_module_version_idx" ON "artifacts" USING btree (coalesce("module", "service"),"version");