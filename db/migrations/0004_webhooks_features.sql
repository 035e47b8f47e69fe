CREATE TABLE "feature_links" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"feature_key" text NOT NULL,
	"kind" text NOT NULL,
	"repo" text NOT NULL,
	"ref" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "features" (
	"key" text PRIMARY KEY NOT NULL,
	"title" text,
	"state" text,
	"url" text,
	"provider" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"forge" text NOT NULL,
	"event" text NOT NULL,
	"repo" text NOT NULL,
	"summary" jsonb NOT NULL,
	"builds" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "feature_links_idx" ON "feature_links" USING btree ("feature_key","kind","repo","ref");