-- The decision stream's order (generated, then edited by hand): the id of the transaction that
-- inserted each decision record. Added without a default first, so that existing rows are not
-- rewritten under an exclusive lock (they stay NULL: the stream did not exist before), then the
-- default every new row takes.
ALTER TABLE "decision_records" ADD COLUMN "ingest_xid" bigint;--> statement-breakpoint
ALTER TABLE "decision_records" ALTER COLUMN "ingest_xid" SET DEFAULT (pg_current_xact_id()::text::bigint);--> statement-breakpoint
CREATE INDEX "decision_records_ingest_idx" ON "decision_records" USING btree ("tenant_id","ingest_xid","decision_id");
