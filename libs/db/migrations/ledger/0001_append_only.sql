-- The ledger's tables take INSERT only (DESIGN.md, "Ledger"). Two locks on the door:
-- 1. privileges: the ledger worker runs as (a member of) role thoth_ledger, which may SELECT and
--    INSERT the append-only tables and nothing else; UPDATE is granted only on its two
--    bookkeeping tables (tree sizes, consumer offsets);
-- 2. triggers refusing UPDATE, DELETE and TRUNCATE for everyone, the owner included, marked
--    ENABLE ALWAYS so that session_replication_role = replica does not switch them off either.
-- A superuser can still disable the triggers and rewrite rows: that is what the signed checkpoints
-- written outside the database, and `thoth audit`, are for.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'thoth_ledger') THEN
    CREATE ROLE thoth_ledger NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database of the cluster created it concurrently
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger.append_only: % on % is refused, the ledger takes INSERT only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'TH001', HINT = 'ledger entries, nodes, checkpoints and quarantine are append-only';
END
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_nodes_append_only BEFORE UPDATE OR DELETE ON ledger_nodes FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_nodes_no_truncate BEFORE TRUNCATE ON ledger_nodes FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_quarantine_append_only BEFORE UPDATE OR DELETE ON ledger_quarantine FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_quarantine_no_truncate BEFORE TRUNCATE ON ledger_quarantine FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_append_only;
--> statement-breakpoint
ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_no_truncate;
--> statement-breakpoint
ALTER TABLE ledger_nodes ENABLE ALWAYS TRIGGER ledger_nodes_append_only;
--> statement-breakpoint
ALTER TABLE ledger_nodes ENABLE ALWAYS TRIGGER ledger_nodes_no_truncate;
--> statement-breakpoint
ALTER TABLE ledger_checkpoints ENABLE ALWAYS TRIGGER ledger_checkpoints_append_only;
--> statement-breakpoint
ALTER TABLE ledger_checkpoints ENABLE ALWAYS TRIGGER ledger_checkpoints_no_truncate;
--> statement-breakpoint
ALTER TABLE ledger_quarantine ENABLE ALWAYS TRIGGER ledger_quarantine_append_only;
--> statement-breakpoint
ALTER TABLE ledger_quarantine ENABLE ALWAYS TRIGGER ledger_quarantine_no_truncate;
--> statement-breakpoint
REVOKE ALL ON ledger_entries, ledger_nodes, ledger_checkpoints, ledger_quarantine, ledger_trees, ledger_offsets FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON ledger_entries, ledger_nodes, ledger_checkpoints, ledger_quarantine, ledger_trees, ledger_offsets FROM thoth_ledger;
--> statement-breakpoint
GRANT SELECT, INSERT ON ledger_entries, ledger_nodes, ledger_checkpoints, ledger_quarantine TO thoth_ledger;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON ledger_trees, ledger_offsets TO thoth_ledger;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE ledger_quarantine_id_seq TO thoth_ledger;
