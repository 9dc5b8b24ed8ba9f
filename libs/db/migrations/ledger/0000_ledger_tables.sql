CREATE TABLE "ledger_entries" (
	"tenant_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"decision_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"tool" text NOT NULL,
	"effect" smallint NOT NULL,
	"shadow" boolean NOT NULL,
	"entry" "bytea" NOT NULL,
	"source_topic" text NOT NULL,
	"source_partition" smallint NOT NULL,
	"source_offset" bigint NOT NULL,
	"folded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_pkey" PRIMARY KEY("tenant_id","seq"),
	CONSTRAINT "ledger_entries_seq_non_negative" CHECK ("ledger_entries"."seq" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_nodes" (
	"tenant_id" uuid NOT NULL,
	"level" smallint NOT NULL,
	"index" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "ledger_nodes_pkey" PRIMARY KEY("tenant_id","level","index")
);
--> statement-breakpoint
CREATE TABLE "ledger_trees" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"size" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_trees_size_non_negative" CHECK ("ledger_trees"."size" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_offsets" (
	"consumer_group" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"next_offset" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_offsets_pkey" PRIMARY KEY("consumer_group","topic","partition")
);
--> statement-breakpoint
CREATE TABLE "ledger_quarantine" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"key" "bytea",
	"value" "bytea",
	"reason_code" text NOT NULL,
	"reason" text NOT NULL,
	"quarantined_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_checkpoints" (
	"tenant_id" uuid NOT NULL,
	"size" bigint NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"note" text NOT NULL,
	"signed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_checkpoints_pkey" PRIMARY KEY("tenant_id","size")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_decision_id_key" ON "ledger_entries" USING btree ("decision_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_quarantine_source_key" ON "ledger_quarantine" USING btree ("topic","partition","offset");