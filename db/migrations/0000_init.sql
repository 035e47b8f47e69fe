CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "api_tokens_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployment_transitions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"seq" integer NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"phase" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" text PRIMARY KEY NOT NULL,
	"number" serial NOT NULL,
	"service" text NOT NULL,
	"version" text NOT NULL,
	"requestor" text DEFAULT '' NOT NULL,
	"request_key" text NOT NULL,
	"status" text NOT NULL,
	"phase" text NOT NULL,
	"environment" text NOT NULL,
	"outcome" jsonb,
	"waiting_on" jsonb,
	"environments" jsonb NOT NULL,
	"approvals" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"test_job_url" text,
	"rollback_of" text,
	"seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deployments_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "environment_queues" (
	"environment" text PRIMARY KEY NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"holders" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"waiters" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "queue_pauses" (
	"scope" text PRIMARY KEY NOT NULL,
	"paused" boolean NOT NULL,
	"by" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"environment" text NOT NULL,
	"service" text NOT NULL,
	"version" text NOT NULL,
	"deployment_id" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deployment_transitions" ADD CONSTRAINT "deployment_transitions_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "deployment_transitions_seq_idx" ON "deployment_transitions" USING btree ("deployment_id","seq");--> statement-breakpoint
CREATE INDEX "deployments_service_idx" ON "deployments" USING btree ("service","number");--> statement-breakpoint
CREATE INDEX "deployments_status_idx" ON "deployments" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_deployment_env_idx" ON "releases" USING btree ("deployment_id","environment");--> statement-breakpoint
CREATE INDEX "releases_env_service_idx" ON "releases" USING btree ("environment","service","id");