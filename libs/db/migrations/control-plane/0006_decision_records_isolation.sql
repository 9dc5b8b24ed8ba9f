-- Tenant isolation for the decision read model and the trial read model (hand-written).
-- decision_records is insert-only for the app: a decision is written once and never changed.
SELECT thoth_isolate_tenant_table('decision_records', 'SELECT, INSERT');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('trials');
--> statement-breakpoint
GRANT SELECT ON trials TO thoth_definer;
--> statement-breakpoint
CREATE POLICY definer_reads_all ON trials FOR SELECT TO thoth_definer USING (true);
--> statement-breakpoint
-- The trial scheduler looks across tenants for trials whose end has passed and whose report is
-- still missing (never claimed, or last claimed before retry_before). Tenant ids only.
CREATE FUNCTION thoth_due_trials(due_at timestamptz, retry_before timestamptz, max_rows integer)
  RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT t.tenant_id FROM public.trials t
    WHERE t.ends_at <= due_at AND t.report_id IS NULL
      AND (t.report_requested_at IS NULL OR t.report_requested_at <= retry_before)
    ORDER BY t.ends_at, t.tenant_id
    LIMIT max_rows
  $$;
--> statement-breakpoint
GRANT CREATE ON SCHEMA public TO thoth_definer;
--> statement-breakpoint
ALTER FUNCTION thoth_due_trials(timestamptz, timestamptz, integer) OWNER TO thoth_definer;
--> statement-breakpoint
REVOKE CREATE ON SCHEMA public FROM thoth_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION thoth_due_trials(timestamptz, timestamptz, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION thoth_due_trials(timestamptz, timestamptz, integer) TO thoth_app;
