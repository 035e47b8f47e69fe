CREATE TABLE "build_secrets" (
	"build_id" text NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "build_secrets_idx" ON "build_secrets" USING btree ("build_id","name");