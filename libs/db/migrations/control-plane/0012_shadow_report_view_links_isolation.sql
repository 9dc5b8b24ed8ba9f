-- Tenant isolation for shadow-report view links (hand-written): written once, never changed;
-- a link stops working when it expires.
SELECT thoth_isolate_tenant_table('shadow_report_view_links', 'SELECT, INSERT');
