-- Decisions the ledger does not believe (docs/security.md, "Decisions believed only when signed"):
-- the quarantine names the tenant, decision and key of a decision it holds, and the releases record
-- those let out once their key arrived. Generated, then by hand: the releases are append-only like
-- every ledger table, the worker appends them, and a tenant's auditor reads its own quarantined
-- decisions and releases under row-level security (poison that names no tenant: no tenant's).
CREATE TABLE "ledger_quarantine_releases" (
	"quarantine_id" bigint PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"outcome" text NOT NULL,
	"seq" bigint,
	"released_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ledger_quarantine" ADD COLUMN "tenant_id" uuid;--> statement-breakpoint
ALTER TABLE "ledger_quarantine" ADD COLUMN "decision_id" text;--> statement-breakpoint
ALTER TABLE "ledger_quarantine" ADD COLUMN "key_id" text;--> statement-breakpoint
CREATE INDEX "ledger_quarantine_tenant_key_idx" ON "ledger_quarantine" USING btree ("tenant_id","reason_code","key_id");--> statement-breakpoint
CREATE TRIGGER ledger_quarantine_releases_append_only BEFORE UPDATE OR DELETE ON ledger_quarantine_releases FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_quarantine_releases_no_truncate BEFORE TRUNCATE ON ledger_quarantine_releases FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
ALTER TABLE ledger_quarantine_releases ENABLE ALWAYS TRIGGER ledger_quarantine_releases_append_only;
--> statement-breakpoint
ALTER TABLE ledger_quarantine_releases ENABLE ALWAYS TRIGGER ledger_quarantine_releases_no_truncate;
--> statement-breakpoint
REVOKE ALL ON ledger_quarantine_releases FROM PUBLIC;
--> statement-breakpoint
GRANT SELECT, INSERT ON ledger_quarantine_releases TO thoth_ledger;
--> statement-breakpoint
GRANT SELECT ON ledger_quarantine, ledger_quarantine_releases TO thoth_ledger_reader;
--> statement-breakpoint
ALTER TABLE ledger_quarantine ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE ledger_quarantine_releases ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY ledger_worker ON ledger_quarantine TO thoth_ledger USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY ledger_worker ON ledger_quarantine_releases TO thoth_ledger USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY tenant_reads ON ledger_quarantine FOR SELECT TO thoth_ledger_reader USING (tenant_id = thoth_current_tenant());
--> statement-breakpoint
CREATE POLICY tenant_reads ON ledger_quarantine_releases FOR SELECT TO thoth_ledger_reader USING (tenant_id = thoth_current_tenant());
