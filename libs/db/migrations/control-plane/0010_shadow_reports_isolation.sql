-- Tenant isolation for shadow reports and policy replays (hand-written). Both are written once
-- and never changed: the app may only read and insert them.
SELECT thoth_isolate_tenant_table('shadow_reports', 'SELECT, INSERT');
--> statement-breakpoint
SELECT thoth_isolate_tenant_table('policy_replays', 'SELECT, INSERT');
