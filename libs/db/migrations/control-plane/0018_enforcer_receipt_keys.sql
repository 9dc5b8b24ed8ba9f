-- The receipt keys enforcers announce on their config streams (generated, then the isolation
-- added by hand): a projection of enforcer.receipt_key_announced, isolated by tenant like every
-- read model, the key directory decisions will be verified against.
CREATE TABLE "enforcer_receipt_keys" (
	"tenant_id" uuid NOT NULL,
	"enforcer_id" uuid NOT NULL,
	"key_id" text NOT NULL,
	"instance_id" text NOT NULL,
	"public_key" text NOT NULL,
	"announced_at" timestamp with time zone NOT NULL,
	"version" integer NOT NULL,
	CONSTRAINT "enforcer_receipt_keys_enforcer_id_key_id_instance_id_pk" PRIMARY KEY("enforcer_id","key_id","instance_id")
);
--> statement-breakpoint
CREATE INDEX "enforcer_receipt_keys_tenant_key_idx" ON "enforcer_receipt_keys" USING btree ("tenant_id","key_id");--> statement-breakpoint
SELECT thoth_isolate_tenant_table('enforcer_receipt_keys');
