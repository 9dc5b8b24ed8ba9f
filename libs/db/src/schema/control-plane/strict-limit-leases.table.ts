import { bigint, index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bytea } from '../ledger/entries.table.js';

/**
 * One row per strict limit's window key that ever had a lease (docs/fleet-state.md, "Strict
 * limits"): the row a grant locks (SELECT … FOR UPDATE), so that grants of one key are serialized
 * across every control-plane replica. Keys are bytes: the engine separates their parts with U+0000,
 * which a Postgres text cannot hold.
 */
export const strictLimitBudgets = pgTable(
  'strict_limit_budgets',
  {
    tenantId: uuid('tenant_id').notNull(),
    key: bytea('key').notNull(),
    limitId: text('limit_id').notNull(),
    lastGrantAt: timestamp('last_grant_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);

/**
 * Leases of a strict limit's budget to enforcers: granted units, and once the lease is settled,
 * those its enforcer used. A row is deleted once none of its units is charged any more (settled
 * + window, or expiry + window when never settled).
 */
export const strictLimitLeases = pgTable(
  'strict_limit_leases',
  {
    tenantId: uuid('tenant_id').notNull(),
    leaseId: uuid('lease_id').notNull(),
    key: bytea('key').notNull(),
    limitId: text('limit_id').notNull(),
    /** The registration the token names, and the process that asked (LeaseRequest.enforcer_id). */
    enforcerId: text('enforcer_id').notNull(),
    instanceId: text('instance_id').notNull(),
    grantedCalls: bigint('granted_calls', { mode: 'number' }).notNull(),
    grantedRecords: bigint('granted_records', { mode: 'number' }).notNull(),
    usedCalls: bigint('used_calls', { mode: 'number' }),
    usedRecords: bigint('used_records', { mode: 'number' }),
    grantedAt: timestamp('granted_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    settledAt: timestamp('settled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.leaseId] }), index('strict_limit_leases_key_idx').on(t.tenantId, t.key)],
);

export type StrictLimitLeaseRow = typeof strictLimitLeases.$inferSelect;
export type NewStrictLimitLeaseRow = typeof strictLimitLeases.$inferInsert;
