CREATE TABLE "alert_destinations" (
	"destination_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"target" text NOT NULL,
	"url_ciphertext" text,
	"syslog_host" text,
	"syslog_port" integer,
	"syslog_transport" text,
	"syslog_facility" integer,
	"secret_ciphertext" text,
	"previous_secret_ciphertext" text,
	"previous_secret_expires_at" timestamp with time zone,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"secret_rotated_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"alert_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"destination_id" uuid NOT NULL,
	"decision_id" text NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"document" jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"cycle_started_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"claim_id" uuid,
	"last_attempt_at" timestamp with time zone,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"dead_lettered_at" timestamp with time zone,
	"redeliveries" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alert_destinations_tenant_active_name_key" ON "alert_destinations" USING btree ("tenant_id","name") WHERE "alert_destinations"."status" = 'active';--> statement-breakpoint
CREATE INDEX "alert_destinations_tenant_created_idx" ON "alert_destinations" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_decision_destination_kind_key" ON "alerts" USING btree ("tenant_id","decision_id","destination_id","kind");--> statement-breakpoint
CREATE INDEX "alerts_due_idx" ON "alerts" USING btree ("next_attempt_at") WHERE "alerts"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "alerts_tenant_created_idx" ON "alerts" USING btree ("tenant_id","created_at","alert_id");