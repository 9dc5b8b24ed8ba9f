CREATE TABLE "shadow_reports" (
	"report_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"trigger" text NOT NULL,
	"window_from" timestamp with time zone NOT NULL,
	"window_to" timestamp with time zone NOT NULL,
	"generated_at" timestamp with time zone NOT NULL,
	"generated_by" text NOT NULL,
	"calls" integer NOT NULL,
	"blocked" integer NOT NULL,
	"schema_version" integer NOT NULL,
	"report" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_replays" (
	"replay_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"window_from" timestamp with time zone NOT NULL,
	"window_to" timestamp with time zone NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"requested_by" text NOT NULL,
	"candidate_format" text NOT NULL,
	"candidate_source" text NOT NULL,
	"candidate_hash" text NOT NULL,
	"calls" integer NOT NULL,
	"changed" integer NOT NULL,
	"schema_version" integer NOT NULL,
	"result" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "shadow_reports_tenant_generated_idx" ON "shadow_reports" USING btree ("tenant_id","generated_at","report_id");--> statement-breakpoint
CREATE INDEX "policy_replays_tenant_requested_idx" ON "policy_replays" USING btree ("tenant_id","requested_at","replay_id");