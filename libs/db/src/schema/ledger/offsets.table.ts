import { bigint, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Where the ledger's consumer group stands on each partition: the next offset to fold. Written in
 * the same transaction as the entries it covers, so Postgres, not Kafka, says what was consumed.
 */
export const ledgerOffsets = pgTable(
  'ledger_offsets',
  {
    consumerGroup: text('consumer_group').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    nextOffset: bigint('next_offset', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'ledger_offsets_pkey', columns: [t.consumerGroup, t.topic, t.partition] })],
);

export type LedgerOffsetRow = typeof ledgerOffsets.$inferSelect;
