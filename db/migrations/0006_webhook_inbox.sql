CREATE TABLE "webhook_inbox" (
	"id" text PRIMARY KEY NOT NULL,
	"forge" text NOT NULL,
	"delivery_id" text NOT NULL,
	"workflow_id" text NOT NULL,
	"input" jsonb,
	"trace_context" jsonb,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"handed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"claimed_until" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "webhook_inbox_pending_idx" ON "webhook_inbox" USING btree ("received_at") WHERE "webhook_inbox"."handed_at" is null;