import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * API keys of a tenant: only the SHA-256 of the key is kept. Looked up before the tenant is
 * known through the SECURITY DEFINER function thoth_lookup_api_key(hash).
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    keyId: uuid('key_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'policy_author', 'auditor', 'read_only', 'approver'] }).notNull(),
    /** The recognisable start of the key (`thoth_sk_` and six characters) for people to tell keys apart. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique('api_keys_key_hash_key'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdBy: text('created_by').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokedBy: text('revoked_by'),
  },
  (t) => [index('api_keys_tenant_idx').on(t.tenantId, t.createdAt)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKeyRow = typeof apiKeys.$inferInsert;
