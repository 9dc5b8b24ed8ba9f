-- Tenant isolation for the alert destinations (a read model) and the alert outbox (hand-written).
SELECT thoth_isolate_tenant_table('alert_destinations');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('alerts');
--> statement-breakpoint
-- The delivery worker serves every tenant: it claims due alerts across tenants through the
-- function below, which only sets a lease, then reads and settles each alert under its tenant.
GRANT SELECT, UPDATE ON alerts TO thoth_definer;
--> statement-breakpoint
CREATE POLICY definer_reads_all ON alerts FOR SELECT TO thoth_definer USING (true);
--> statement-breakpoint
CREATE POLICY definer_leases_all ON alerts FOR UPDATE TO thoth_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
-- Leases up to max_rows pending alerts that are due at claim_at and not leased (or whose lease
-- ran out: a worker died mid-delivery). SKIP LOCKED lets replicas claim side by side.
CREATE FUNCTION thoth_claim_due_alerts(claim_at timestamptz, lease_ends timestamptz, claim uuid, max_rows integer)
  RETURNS TABLE (alert_id uuid, tenant_id uuid)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
    UPDATE public.alerts a SET lease_until = lease_ends, claim_id = claim
    FROM (
      SELECT d.alert_id FROM public.alerts d
      WHERE d.status = 'pending' AND d.next_attempt_at <= claim_at AND (d.lease_until IS NULL OR d.lease_until <= claim_at)
      ORDER BY d.next_attempt_at
      LIMIT max_rows
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE a.alert_id = due.alert_id
    RETURNING a.alert_id, a.tenant_id
  $$;
--> statement-breakpoint
GRANT CREATE ON SCHEMA public TO thoth_definer;
--> statement-breakpoint
ALTER FUNCTION thoth_claim_due_alerts(timestamptz, timestamptz, uuid, integer) OWNER TO thoth_definer;
--> statement-breakpoint
REVOKE CREATE ON SCHEMA public FROM thoth_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION thoth_claim_due_alerts(timestamptz, timestamptz, uuid, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION thoth_claim_due_alerts(timestamptz, timestamptz, uuid, integer) TO thoth_app;
