CREATE TABLE "agents" (
	"agent_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"labels" jsonb NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp with time zone NOT NULL,
	"token_hash" text NOT NULL,
	"token_hint" text NOT NULL,
	"registered_at" timestamp with time zone NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credential_agents" (
	"tenant_id" uuid NOT NULL,
	"credential_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"linked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "credential_agents_credential_id_agent_id_pk" PRIMARY KEY("credential_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "credential_fingerprints" (
	"tenant_id" uuid NOT NULL,
	"credential_id" uuid NOT NULL,
	"fingerprint" text NOT NULL,
	"active_from" timestamp with time zone NOT NULL,
	"rotated_out_at" timestamp with time zone,
	CONSTRAINT "credential_fingerprints_credential_id_fingerprint_pk" PRIMARY KEY("credential_id","fingerprint")
);
--> statement-breakpoint
CREATE TABLE "credentials" (
	"credential_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"provider" text NOT NULL,
	"fingerprint" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"allowed_resources" jsonb NOT NULL,
	"allowed_cidrs" jsonb NOT NULL,
	"allowed_regions" jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"status" text NOT NULL,
	"registered_at" timestamp with time zone NOT NULL,
	"rotated_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"current_version" integer NOT NULL,
	"content_hash" text NOT NULL,
	"mode" text NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_versions" (
	"tenant_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"format" text NOT NULL,
	"source" text NOT NULL,
	"content_hash" text NOT NULL,
	"document_name" text NOT NULL,
	"document_version" text NOT NULL,
	"rolled_back_to" integer,
	"published_at" timestamp with time zone NOT NULL,
	"published_by" text NOT NULL,
	CONSTRAINT "policy_versions_tenant_id_version_pk" PRIMARY KEY("tenant_id","version")
);
--> statement-breakpoint
CREATE TABLE "enforcers" (
	"enforcer_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"token_hint" text NOT NULL,
	"status" text NOT NULL,
	"registered_at" timestamp with time zone NOT NULL,
	"decommissioned_at" timestamp with time zone,
	"active_config_version" integer,
	"active_content_hash" text,
	"activated_at" timestamp with time zone,
	"activated_instance_id" text,
	"rejected_config_version" integer,
	"rejection_code" text,
	"rejection_message" text,
	"rejected_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "agents_tenant_name_key" ON "agents" USING btree ("tenant_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "agents_token_hash_key" ON "agents" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "agents_tenant_registered_idx" ON "agents" USING btree ("tenant_id","registered_at");--> statement-breakpoint
CREATE INDEX "credential_agents_tenant_agent_idx" ON "credential_agents" USING btree ("tenant_id","agent_id");--> statement-breakpoint
CREATE INDEX "credential_fingerprints_tenant_fingerprint_idx" ON "credential_fingerprints" USING btree ("tenant_id","fingerprint");--> statement-breakpoint
CREATE UNIQUE INDEX "credentials_tenant_active_fingerprint_key" ON "credentials" USING btree ("tenant_id","fingerprint") WHERE "credentials"."status" = 'active';--> statement-breakpoint
CREATE INDEX "credentials_tenant_registered_idx" ON "credentials" USING btree ("tenant_id","registered_at");--> statement-breakpoint
CREATE UNIQUE INDEX "enforcers_token_hash_key" ON "enforcers" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "enforcers_tenant_registered_idx" ON "enforcers" USING btree ("tenant_id","registered_at");