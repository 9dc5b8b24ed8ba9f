-- Least privilege on the alert outbox (hand-written). The app never deletes an alert: delivered
-- and dead-lettered alerts are the tenant's delivery history. The delivery worker's
-- cross-tenant function (thoth_claim_due_alerts) only ever writes a lease.
REVOKE DELETE ON alerts FROM thoth_app;
--> statement-breakpoint
REVOKE UPDATE ON alerts FROM thoth_definer;
--> statement-breakpoint
GRANT UPDATE (lease_until, claim_id) ON alerts TO thoth_definer;
