-- Per-tenant retention of the decision read model (docs/retention.md; generated, then the grants
-- and the cross-tenant listing added by hand). decision_records stays insert-only for ingestion;
-- the retention job, as thoth_app under the tenant's RLS, deletes records past the tenant's
-- retention and clears the arguments of those past the arguments' retention: nothing else changes.
ALTER TABLE "tenants" ADD COLUMN "decision_retention_days" integer DEFAULT 90 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "argument_retention_days" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
CREATE INDEX "decision_records_retained_arguments_idx" ON "decision_records" USING btree ("tenant_id","decided_at") WHERE "decision_records"."arguments" IS NOT NULL;--> statement-breakpoint
GRANT DELETE, UPDATE ("arguments") ON decision_records TO thoth_app;
--> statement-breakpoint
GRANT SELECT (tenant_id, decision_retention_days, argument_retention_days) ON tenants TO thoth_definer;
--> statement-breakpoint
CREATE POLICY definer_reads_retention ON tenants FOR SELECT TO thoth_definer USING (true);
--> statement-breakpoint
-- The retention job goes through the tenants a page at a time (after a tenant id): each tenant's
-- retention only, nothing else of it.
CREATE FUNCTION thoth_retention_tenants(after_tenant uuid, max_rows integer)
  RETURNS TABLE (tenant_id uuid, decision_retention_days integer, argument_retention_days integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT t.tenant_id, t.decision_retention_days, t.argument_retention_days FROM public.tenants t
    WHERE after_tenant IS NULL OR t.tenant_id > after_tenant
    ORDER BY t.tenant_id
    LIMIT max_rows
  $$;
--> statement-breakpoint
GRANT CREATE ON SCHEMA public TO thoth_definer;
--> statement-breakpoint
ALTER FUNCTION thoth_retention_tenants(uuid, integer) OWNER TO thoth_definer;
--> statement-breakpoint
REVOKE CREATE ON SCHEMA public FROM thoth_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION thoth_retention_tenants(uuid, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION thoth_retention_tenants(uuid, integer) TO thoth_app;
