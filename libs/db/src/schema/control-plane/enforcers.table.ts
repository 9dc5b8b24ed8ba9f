import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Read model of the Enforcer aggregate: each registration, the config it runs, when it was last seen. */
export const enforcers = pgTable(
  'enforcers',
  {
    enforcerId: uuid('enforcer_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    name: text('name').notNull(),
    /** SHA-256 hex of the enforcer token (`Hello.enforcer_token`); the token was shown once. */
    tokenHash: text('token_hash').notNull(),
    tokenHint: text('token_hint').notNull(),
    status: text('status', { enum: ['active', 'decommissioned'] }).notNull(),
    registeredAt: timestamp('registered_at', { withTimezone: true, mode: 'date' }).notNull(),
    decommissionedAt: timestamp('decommissioned_at', { withTimezone: true, mode: 'date' }),
    /** `EnforcerConfig.version` it last ACKed. */
    activeConfigVersion: integer('active_config_version'),
    activeContentHash: text('active_content_hash'),
    activatedAt: timestamp('activated_at', { withTimezone: true, mode: 'date' }),
    activatedInstanceId: text('activated_instance_id'),
    rejectedConfigVersion: integer('rejected_config_version'),
    rejectionCode: text('rejection_code'),
    rejectionMessage: text('rejection_message'),
    rejectedAt: timestamp('rejected_at', { withTimezone: true, mode: 'date' }),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }),
    /** The enforcer stream's version this row reflects. */
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('enforcers_token_hash_key').on(t.tokenHash), index('enforcers_tenant_registered_idx').on(t.tenantId, t.registeredAt)],
);

export type EnforcerRow = typeof enforcers.$inferSelect;
export type NewEnforcerRow = typeof enforcers.$inferInsert;

/**
 * Read model of the receipt keys enforcers announced (enforcer.receipt_key_announced): one row per
 * key and announcing process, never deleted, so that the decisions a rotated-out key signed still
 * find it. Ingestion's key directory of a tenant is this table.
 */
export const enforcerReceiptKeys = pgTable(
  'enforcer_receipt_keys',
  {
    tenantId: uuid('tenant_id').notNull(),
    enforcerId: uuid('enforcer_id').notNull(),
    /** `ed25519:` + 16 hex digits of SHA-256 of the public key: Receipt.key_id. */
    keyId: text('key_id').notNull(),
    /** The process that announced it (`Hello.enforcer_id`): the enforcer_id of its receipts. */
    instanceId: text('instance_id').notNull(),
    /** Base64 of the raw 32-byte Ed25519 public key. */
    publicKey: text('public_key').notNull(),
    announcedAt: timestamp('announced_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** The enforcer stream's version of the announcement. */
    version: integer('version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.enforcerId, t.keyId, t.instanceId] }), index('enforcer_receipt_keys_tenant_key_idx').on(t.tenantId, t.keyId)],
);

export type EnforcerReceiptKeyRow = typeof enforcerReceiptKeys.$inferSelect;
