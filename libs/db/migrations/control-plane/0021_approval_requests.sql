-- Approval requests (generated, then the constraints and the isolation added by hand;
-- docs/approvals.md): one row per verified approval request of the decision stream, decided by a
-- person (approval.approved / approval.rejected) and used at most once (ConsumeApproval), isolated
-- by tenant like every table with a tenant_id. Rows are never deleted by the app: no DELETE.
CREATE TABLE "approval_requests" (
	"tenant_id" uuid NOT NULL,
	"id" text NOT NULL,
	"agent_id" text NOT NULL,
	"tool" text NOT NULL,
	"arguments_digest" text NOT NULL,
	"resource" text NOT NULL,
	"credential_fingerprint" text NOT NULL,
	"arguments" jsonb,
	"rule_ids" jsonb NOT NULL,
	"matched_rules" jsonb NOT NULL,
	"enforcer_id" text NOT NULL,
	"policy_version" bigint NOT NULL,
	"policy_hash" text NOT NULL,
	"config_version" bigint NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"comment" text,
	"decision_event" "bytea",
	"published_at" timestamp with time zone,
	"used_by_decision" text,
	"used_at" timestamp with time zone,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approval_requests_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE INDEX "approval_requests_state_idx" ON "approval_requests" USING btree ("tenant_id","state","requested_at","id");--> statement-breakpoint
CREATE INDEX "approval_requests_time_idx" ON "approval_requests" USING btree ("tenant_id","requested_at","id");--> statement-breakpoint
CREATE INDEX "approval_requests_unpublished_idx" ON "approval_requests" USING btree ("tenant_id") WHERE "approval_requests"."decision_event" IS NOT NULL AND "approval_requests"."published_at" IS NULL;
--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_state_check" CHECK ("state" IN ('pending', 'approved', 'rejected'));--> statement-breakpoint
-- Used only once approved: the atomic UPDATE of ConsumeApproval says so too, the table makes sure.
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_used_when_approved_check" CHECK ("used_by_decision" IS NULL OR "state" = 'approved');--> statement-breakpoint
SELECT thoth_isolate_tenant_table('approval_requests', 'SELECT, INSERT, UPDATE');
