-- The ledger API authenticates with the control plane's API keys and reads under row-level security
-- (apps/ledger/README.md, "API"). Hand-written; the control-plane set (thoth_lookup_api_key,
-- thoth_current_tenant) always applies before this one, in the same database.
--
-- 1. Authentication: the ledger role may call the one cross-tenant lookup the control plane's app
--    role may call, by exact hash only. It gets no privilege on api_keys itself.
GRANT EXECUTE ON FUNCTION thoth_lookup_api_key(text) TO thoth_ledger;
--> statement-breakpoint
-- 2. Scoping: thoth_ledger_reader is what the API becomes (SET LOCAL ROLE) for each request, after
--    naming the caller's tenant in the transaction-local setting thoth.tenant_id. It may only SELECT
--    the three tables a proof or a bundle is made of, and row-level security shows it only that
--    tenant's rows (none when no tenant is named). The worker's role keeps reading and appending
--    every tenant through a policy of its own, so folding and checkpointing are unchanged.
DO $$
BEGIN
  CREATE ROLE thoth_ledger_reader NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- roles are cluster-wide: another database of the cluster created it already
END
$$;
--> statement-breakpoint
-- Members of thoth_ledger (the worker's login role) may SET ROLE thoth_ledger_reader; so may the
-- migrating role, so that a single-URL setup (the schema owner's URL) still reads under RLS.
DO $$
BEGIN
  IF NOT pg_has_role('thoth_ledger', 'thoth_ledger_reader', 'MEMBER') THEN
    GRANT thoth_ledger_reader TO thoth_ledger;
  END IF;
  IF NOT pg_has_role(current_user, 'thoth_ledger_reader', 'MEMBER') THEN
    EXECUTE format('GRANT thoth_ledger_reader TO %I', current_user);
  END IF;
EXCEPTION WHEN unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO thoth_ledger_reader;
--> statement-breakpoint
REVOKE ALL ON ledger_entries, ledger_nodes, ledger_checkpoints, ledger_quarantine, ledger_trees, ledger_offsets FROM thoth_ledger_reader;
--> statement-breakpoint
GRANT SELECT ON ledger_entries, ledger_nodes, ledger_checkpoints TO thoth_ledger_reader;
--> statement-breakpoint
ALTER TABLE ledger_entries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE ledger_nodes ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE ledger_checkpoints ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
-- The worker folds and signs for every tenant: an unconditional policy (planned away as `true`).
-- Not FORCE: the owner (migrations, `thoth audit` run as the owner) is not subject to RLS.
CREATE POLICY ledger_worker ON ledger_entries TO thoth_ledger USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY ledger_worker ON ledger_nodes TO thoth_ledger USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY ledger_worker ON ledger_checkpoints TO thoth_ledger USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY tenant_reads ON ledger_entries FOR SELECT TO thoth_ledger_reader USING (tenant_id = thoth_current_tenant());
--> statement-breakpoint
CREATE POLICY tenant_reads ON ledger_nodes FOR SELECT TO thoth_ledger_reader USING (tenant_id = thoth_current_tenant());
--> statement-breakpoint
CREATE POLICY tenant_reads ON ledger_checkpoints FOR SELECT TO thoth_ledger_reader USING (tenant_id = thoth_current_tenant());
