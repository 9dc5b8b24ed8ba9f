import { sql } from 'drizzle-orm';
import { bigint, boolean, check, customType, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

/**
 * The append-only decision log, one log per tenant. `seq` is the entry's Merkle leaf index in its
 * tenant's tree; `entry` is the leaf itself: the protobuf DecisionEvent bytes exactly as they were
 * read from Kafka, so verification hashes exactly what was stored (leaf hash = SHA-256(0x00‖entry)).
 * The other columns are copies for querying; audit checks them against `entry`.
 * INSERT only: UPDATE, DELETE and TRUNCATE are revoked and refused by triggers (ledger migration 0001).
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    tenantId: uuid('tenant_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    decisionId: text('decision_id').notNull(),
    agentId: text('agent_id').notNull(),
    tool: text('tool').notNull(),
    effect: smallint('effect').notNull(),
    shadow: boolean('shadow').notNull(),
    entry: bytea('entry').notNull(),
    sourceTopic: text('source_topic').notNull(),
    sourcePartition: smallint('source_partition').notNull(),
    sourceOffset: bigint('source_offset', { mode: 'number' }).notNull(),
    foldedAt: timestamp('folded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'ledger_entries_pkey', columns: [t.tenantId, t.seq] }),
    uniqueIndex('ledger_entries_decision_id_key').on(t.decisionId),
    check('ledger_entries_seq_non_negative', sql`${t.seq} >= 0`),
  ],
);

export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;
export type NewLedgerEntryRow = typeof ledgerEntries.$inferInsert;
