-- Tenant isolation for the credential inventory and learned baselines (hand-written).
-- credential_usage is kept by the decision ingest hook (insert, then update in place); it is
-- not a projection of events, so the app never deletes from it.
SELECT thoth_isolate_tenant_table('credential_usage', 'SELECT, INSERT, UPDATE');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('credential_baselines');
