CREATE TABLE "decision_records" (
	"tenant_id" uuid NOT NULL,
	"decision_id" text NOT NULL,
	"request_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"tool" text NOT NULL,
	"resource" text NOT NULL,
	"credential_fingerprint" text NOT NULL,
	"source_ip" text NOT NULL,
	"source_region" text NOT NULL,
	"outcome" text NOT NULL,
	"shadow" boolean NOT NULL,
	"matched_rules" jsonb NOT NULL,
	"policy_version" bigint NOT NULL,
	"policy_hash" text NOT NULL,
	"config_version" bigint NOT NULL,
	"enforcer_id" text NOT NULL,
	"arguments_digest" text NOT NULL,
	"arguments" jsonb,
	"error_code" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"receipt" jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "decision_records_tenant_id_decision_id_pk" PRIMARY KEY("tenant_id","decision_id")
);
--> statement-breakpoint
CREATE TABLE "trials" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"report_id" text,
	"report_attempts" integer NOT NULL,
	"report_requested_at" timestamp with time zone,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "decision_records_tenant_time_idx" ON "decision_records" USING btree ("tenant_id","decided_at","decision_id");--> statement-breakpoint
CREATE INDEX "decision_records_agent_time_idx" ON "decision_records" USING btree ("tenant_id","agent_id","decided_at");--> statement-breakpoint
CREATE INDEX "decision_records_tool_time_idx" ON "decision_records" USING btree ("tenant_id","tool","decided_at");--> statement-breakpoint
CREATE INDEX "decision_records_credential_time_idx" ON "decision_records" USING btree ("tenant_id","credential_fingerprint","decided_at");--> statement-breakpoint
CREATE INDEX "decision_records_resource_time_idx" ON "decision_records" USING btree ("tenant_id","resource","decided_at");--> statement-breakpoint
CREATE INDEX "decision_records_outcome_time_idx" ON "decision_records" USING btree ("tenant_id","outcome","decided_at");--> statement-breakpoint
CREATE INDEX "trials_due_idx" ON "trials" USING btree ("ends_at");