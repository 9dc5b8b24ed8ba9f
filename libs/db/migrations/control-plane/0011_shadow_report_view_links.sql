CREATE TABLE "shadow_report_view_links" (
	"link_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"report_id" uuid NOT NULL,
	"secret_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "shadow_report_view_links_report_idx" ON "shadow_report_view_links" USING btree ("tenant_id","report_id");