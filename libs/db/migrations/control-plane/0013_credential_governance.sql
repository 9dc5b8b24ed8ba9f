CREATE TABLE "credential_usage" (
	"tenant_id" uuid NOT NULL,
	"fingerprint" text NOT NULL,
	"agent_id" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"calls" bigint NOT NULL,
	"denied" bigint NOT NULL,
	"regions" jsonb NOT NULL,
	"last_decision_id" text NOT NULL,
	CONSTRAINT "credential_usage_tenant_id_fingerprint_agent_id_pk" PRIMARY KEY("tenant_id","fingerprint","agent_id")
);
--> statement-breakpoint
CREATE TABLE "credential_baselines" (
	"tenant_id" uuid NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"observations" integer NOT NULL,
	"resource_classes" jsonb NOT NULL,
	"regions" jsonb NOT NULL,
	"networks" jsonb NOT NULL,
	"tools" jsonb NOT NULL,
	"peak_per_minute" integer NOT NULL,
	"peak_per_10_minutes" integer NOT NULL,
	"active_hours_utc" jsonb NOT NULL,
	"learned_from" timestamp with time zone NOT NULL,
	"learned_until" timestamp with time zone NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "credential_baselines_tenant_id_subject_kind_subject_id_pk" PRIMARY KEY("tenant_id","subject_kind","subject_id")
);
