CREATE TABLE "polled_refs" (
	"repo" text NOT NULL,
	"ref" text NOT NULL,
	"sha" text NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "polled_refs_idx" ON "polled_refs" USING btree ("repo","ref");