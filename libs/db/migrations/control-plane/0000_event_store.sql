CREATE TABLE "events" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" uuid,
	"stream_id" text NOT NULL,
	"version" integer NOT NULL,
	"type" text NOT NULL,
	"schema_version" smallint NOT NULL,
	"payload" jsonb NOT NULL,
	"metadata" jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_version_positive" CHECK ("events"."version" > 0),
	CONSTRAINT "events_schema_version_positive" CHECK ("events"."schema_version" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "events_stream_version_key" ON "events" USING btree ("stream_id","version");--> statement-breakpoint
CREATE INDEX "events_tenant_position_idx" ON "events" USING btree ("tenant_id","position");