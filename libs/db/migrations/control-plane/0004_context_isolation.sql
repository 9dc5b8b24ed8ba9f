-- Tenant isolation for the Agent, Credential, Policy and Enforcer read models (hand-written),
-- as 0002 did for the Tenant context: ENABLE + FORCE RLS, tenant policy, grants to thoth_app.
SELECT thoth_isolate_tenant_table('agents');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('credentials');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('credential_fingerprints');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('credential_agents');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('policies');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('policy_versions');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('enforcers');
--> statement-breakpoint
GRANT SELECT ON enforcers TO thoth_definer;
--> statement-breakpoint
CREATE POLICY definer_reads_all ON enforcers FOR SELECT TO thoth_definer USING (true);
--> statement-breakpoint
-- An enforcer authenticates on the config stream before its tenant is known: by exact token hash only.
CREATE FUNCTION thoth_lookup_enforcer_token(candidate_hash text)
  RETURNS TABLE (enforcer_id uuid, tenant_id uuid, status text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT e.enforcer_id, e.tenant_id, e.status FROM public.enforcers e WHERE e.token_hash = candidate_hash $$;
--> statement-breakpoint
GRANT CREATE ON SCHEMA public TO thoth_definer;
--> statement-breakpoint
ALTER FUNCTION thoth_lookup_enforcer_token(text) OWNER TO thoth_definer;
--> statement-breakpoint
REVOKE CREATE ON SCHEMA public FROM thoth_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION thoth_lookup_enforcer_token(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION thoth_lookup_enforcer_token(text) TO thoth_app;
