import { bigint, bigserial, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea } from './entries.table.js';

/**
 * Messages the ledger could not fold (undecodable, invalid, a decision id already folded with
 * other bytes, or a decision whose receipt is not its tenant's enforcer's), kept byte for byte
 * beside the reason, in the transaction that moves past them. A decision names its tenant (and
 * the tenant reads it, under RLS), its id and the key its receipt names.
 */
export const ledgerQuarantine = pgTable(
  'ledger_quarantine',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    key: bytea('key'),
    value: bytea('value'),
    reasonCode: text('reason_code').notNull(),
    reason: text('reason').notNull(),
    tenantId: uuid('tenant_id'),
    decisionId: text('decision_id'),
    keyId: text('key_id'),
    quarantinedAt: timestamp('quarantined_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ledger_quarantine_source_key').on(t.topic, t.partition, t.offset), index('ledger_quarantine_tenant_key_idx').on(t.tenantId, t.reasonCode, t.keyId)],
);

/**
 * Decisions let out of quarantine: held as receipt.unknown_key until the directory brought their
 * key, then appended to their tenant's log (`folded`, at `seq`) or found already there
 * (`duplicate`). Append-only like the quarantine itself, one row per quarantined message at most.
 */
export const ledgerQuarantineReleases = pgTable('ledger_quarantine_releases', {
  // No foreign key: the quarantine refuses TRUNCATE with its own error (TH001), as every ledger table does.
  quarantineId: bigint('quarantine_id', { mode: 'number' }).primaryKey(),
  tenantId: uuid('tenant_id').notNull(),
  outcome: text('outcome', { enum: ['folded', 'duplicate'] }).notNull(),
  seq: bigint('seq', { mode: 'number' }),
  releasedAt: timestamp('released_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export type LedgerQuarantineRow = typeof ledgerQuarantine.$inferSelect;
export type LedgerQuarantineReleaseRow = typeof ledgerQuarantineReleases.$inferSelect;
