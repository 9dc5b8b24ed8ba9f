import { bigint, pgTable, primaryKey, smallint, uuid } from 'drizzle-orm/pg-core';
import { bytea } from './entries.table.js';

/**
 * Complete Merkle subtrees of each tenant's tree, written as CompactRange.append completes them
 * (level 0 = leaf hashes). A complete subtree never changes, so the table is INSERT only, and any
 * proof is one read of O(log n) rows.
 */
export const ledgerNodes = pgTable(
  'ledger_nodes',
  {
    tenantId: uuid('tenant_id').notNull(),
    level: smallint('level').notNull(),
    index: bigint('index', { mode: 'number' }).notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [primaryKey({ name: 'ledger_nodes_pkey', columns: [t.tenantId, t.level, t.index] })],
);

export type LedgerNodeRow = typeof ledgerNodes.$inferSelect;
