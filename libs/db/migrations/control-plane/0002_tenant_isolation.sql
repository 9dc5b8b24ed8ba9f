-- Tenant isolation in Postgres (hand-written).
-- thoth_app: the role every control-plane query runs as. It owns nothing, cannot bypass RLS,
-- and sees only the rows of the tenant named by the transaction-local setting thoth.tenant_id.
-- thoth_definer: owns the few SECURITY DEFINER functions that must look across tenants
-- (API-key lookup before the tenant is known; the tenant list for a projection rebuild).
-- Roles are cluster-wide: creating them tolerates their existing already (another database,
-- a concurrent migration).
DO $$
BEGIN
  CREATE ROLE thoth_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  CREATE ROLE thoth_definer NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
-- The migrating role hands function ownership to thoth_definer below, which needs membership.
-- (Kept afterwards: revoking it would race with a migration of another database in the cluster.)
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'thoth_definer', 'MEMBER') THEN
    EXECUTE format('GRANT thoth_definer TO %I', current_user);
  END IF;
EXCEPTION WHEN unique_violation THEN NULL;
END $$;
--> statement-breakpoint
-- The migrating role may also act as thoth_app, so that a single-URL setup (the schema owner's URL,
-- as in the README) still runs every query under RLS. Production should log in as a role that is
-- only a member of thoth_app; the control plane warns at boot otherwise.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'thoth_app', 'MEMBER') THEN
    EXECUTE format('GRANT thoth_app TO %I', current_user);
  END IF;
EXCEPTION WHEN unique_violation THEN NULL;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO thoth_app, thoth_definer;
--> statement-breakpoint
CREATE FUNCTION thoth_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  -- '' after a transaction-local set_config has ended, NULL before any: both mean no tenant.
  AS $$ SELECT NULLIF(current_setting('thoth.tenant_id', true), '')::uuid $$;
--> statement-breakpoint
-- Every tenant table goes through this, in the migration that creates it:
--   SELECT thoth_isolate_tenant_table('agents');
CREATE FUNCTION thoth_isolate_tenant_table(target regclass, privileges text DEFAULT 'SELECT, INSERT, UPDATE, DELETE')
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s USING (tenant_id = thoth_current_tenant()) WITH CHECK (tenant_id = thoth_current_tenant())',
    target);
  EXECUTE format('GRANT %s ON %s TO thoth_app', privileges, target);
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION thoth_isolate_tenant_table(regclass, text) FROM PUBLIC;
--> statement-breakpoint
-- The event store is append-only for the app: no UPDATE, no DELETE.
SELECT thoth_isolate_tenant_table('events', 'SELECT, INSERT');
--> statement-breakpoint
GRANT USAGE ON SEQUENCE events_position_seq TO thoth_app;
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('tenants');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('api_keys');
--> statement-breakpoint
-- Replicas learn of appended events through LISTEN thoth_events (the payload is a pointer;
-- listeners read the rows themselves, under their tenant).
CREATE FUNCTION thoth_notify_event_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('thoth_events', json_build_object(
    'position', NEW.position::text, 'tenantId', NEW.tenant_id, 'streamId', NEW.stream_id,
    'version', NEW.version, 'type', NEW.type)::text);
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION thoth_notify_event_appended();
--> statement-breakpoint
GRANT SELECT ON api_keys, events TO thoth_definer;
--> statement-breakpoint
CREATE POLICY definer_reads_all ON api_keys FOR SELECT TO thoth_definer USING (true);
--> statement-breakpoint
CREATE POLICY definer_reads_all ON events FOR SELECT TO thoth_definer USING (true);
--> statement-breakpoint
-- Authentication happens before the tenant is known: the one cross-tenant read the app may do,
-- by exact hash only.
CREATE FUNCTION thoth_lookup_api_key(candidate_hash text)
  RETURNS TABLE (key_id uuid, tenant_id uuid, role text, revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT k.key_id, k.tenant_id, k.role, k.revoked_at FROM public.api_keys k WHERE k.key_hash = candidate_hash $$;
--> statement-breakpoint
-- A projection rebuild replays tenant by tenant; this names the tenants the store has events for.
CREATE FUNCTION thoth_event_tenants()
  RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT DISTINCT e.tenant_id FROM public.events e $$;
--> statement-breakpoint
GRANT CREATE ON SCHEMA public TO thoth_definer;
--> statement-breakpoint
ALTER FUNCTION thoth_lookup_api_key(text) OWNER TO thoth_definer;
--> statement-breakpoint
ALTER FUNCTION thoth_event_tenants() OWNER TO thoth_definer;
--> statement-breakpoint
REVOKE CREATE ON SCHEMA public FROM thoth_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION thoth_lookup_api_key(text), thoth_event_tenants() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION thoth_lookup_api_key(text), thoth_event_tenants() TO thoth_app;
