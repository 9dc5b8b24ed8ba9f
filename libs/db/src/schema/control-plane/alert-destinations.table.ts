import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * Read model of the AlertDestination aggregate: where a tenant's SOC alerts go. URLs (a Slack
 * webhook URL is itself a secret) and signing secrets are kept only as AES-256-GCM ciphertext;
 * `target` is what may be shown (scheme, host and port).
 */
export const alertDestinations = pgTable(
  'alert_destinations',
  {
    destinationId: uuid('destination_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['webhook', 'slack', 'syslog'] }).notNull(),
    /** Shown in the API: `https://host[:port]/…` or `tcp://host:port`. */
    target: text('target').notNull(),
    /** webhook, slack: the URL, encrypted. */
    urlCiphertext: text('url_ciphertext'),
    /** syslog: where, how and with which facility (RFC 5424 PRI). */
    syslogHost: text('syslog_host'),
    syslogPort: integer('syslog_port'),
    syslogTransport: text('syslog_transport', { enum: ['tcp', 'udp'] }),
    syslogFacility: integer('syslog_facility'),
    /** webhook: the HMAC signing secret, encrypted; the previous one while a rotation's grace lasts. */
    secretCiphertext: text('secret_ciphertext'),
    previousSecretCiphertext: text('previous_secret_ciphertext'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true, mode: 'date' }),
    status: text('status', { enum: ['active', 'deleted'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    secretRotatedAt: timestamp('secret_rotated_at', { withTimezone: true, mode: 'date' }),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    /** The destination stream's version this row reflects. */
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('alert_destinations_tenant_active_name_key').on(t.tenantId, t.name).where(sql`${t.status} = 'active'`),
    index('alert_destinations_tenant_created_idx').on(t.tenantId, t.createdAt),
  ],
);

export type AlertDestinationRow = typeof alertDestinations.$inferSelect;
export type NewAlertDestinationRow = typeof alertDestinations.$inferInsert;
