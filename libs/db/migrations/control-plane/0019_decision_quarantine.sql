-- Decisions ingestion did not believe (generated, then the isolation added by hand): isolated by
-- the tenant each event names, like every table with a tenant_id. Ingestion inserts them and takes
-- back those of a key announced since (receipt.unknown_key: the release pass); it never updates.
CREATE TABLE "decision_quarantine" (
	"origin" text NOT NULL,
	"decision_id" text NOT NULL,
	"tenant_id" uuid NOT NULL,
	"enforcer_id" text NOT NULL,
	"key_id" text NOT NULL,
	"reason_code" text NOT NULL,
	"reason" text NOT NULL,
	"event" "bytea" NOT NULL,
	"quarantined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "decision_quarantine_tenant_id_origin_decision_id_reason_code_pk" PRIMARY KEY("tenant_id","origin","decision_id","reason_code")
);
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('decision_quarantine', 'SELECT, INSERT, DELETE');
