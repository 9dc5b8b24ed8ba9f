-- Strict limits' leases (generated, then the isolation added by hand; docs/fleet-state.md,
-- "Strict limits"): the budget rows grants lock, one per window key, and the leases granted from
-- them, isolated by tenant like every table with a tenant_id. The coordinator deletes leases whose
-- units are no longer charged, never budget rows (a key's lock must outlive its leases).
CREATE TABLE "strict_limit_budgets" (
	"tenant_id" uuid NOT NULL,
	"key" "bytea" NOT NULL,
	"limit_id" text NOT NULL,
	"last_grant_at" timestamp with time zone NOT NULL,
	CONSTRAINT "strict_limit_budgets_tenant_id_key_pk" PRIMARY KEY("tenant_id","key")
);
--> statement-breakpoint
CREATE TABLE "strict_limit_leases" (
	"tenant_id" uuid NOT NULL,
	"lease_id" uuid NOT NULL,
	"key" "bytea" NOT NULL,
	"limit_id" text NOT NULL,
	"enforcer_id" text NOT NULL,
	"instance_id" text NOT NULL,
	"granted_calls" bigint NOT NULL,
	"granted_records" bigint NOT NULL,
	"used_calls" bigint,
	"used_records" bigint,
	"granted_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "strict_limit_leases_tenant_id_lease_id_pk" PRIMARY KEY("tenant_id","lease_id")
);
--> statement-breakpoint
CREATE INDEX "strict_limit_leases_key_idx" ON "strict_limit_leases" USING btree ("tenant_id","key");--> statement-breakpoint
SELECT thoth_isolate_tenant_table('strict_limit_budgets', 'SELECT, INSERT, UPDATE');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('strict_limit_leases');
