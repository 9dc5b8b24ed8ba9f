import { enforcerReceiptKeys, enforcers, type EnforcerReceiptKeyRow, type EnforcerRow, type NewEnforcerRow } from '@thoth/db';
import { asc, eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { rowsOf, type TenantDatabase, type Tx } from '../../../platform/database/tenant-database.js';

/** The enforcers read model: written by the projection (inside the append), read by queries. */
export class EnforcersRepository {
  constructor(private readonly database: TenantDatabase) {}

  async find(tenantId: string, enforcerId: string): Promise<EnforcerRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx.select().from(enforcers).where(eq(enforcers.enforcerId, enforcerId));
      return row;
    });
  }

  async list(tenantId: string): Promise<EnforcerRow[]> {
    return this.database.transaction(tenantId, (tx) =>
      tx.select().from(enforcers).where(eq(enforcers.tenantId, tenantId)).orderBy(asc(enforcers.registeredAt), asc(enforcers.enforcerId)),
    );
  }

  /** The receipt keys the tenant's enforcers announced (all of them, of one enforcer when named), oldest first. */
  async receiptKeys(tenantId: string, enforcerId?: string): Promise<EnforcerReceiptKeyRow[]> {
    return this.database.transaction(tenantId, (tx) =>
      tx
        .select()
        .from(enforcerReceiptKeys)
        .where(enforcerId === undefined ? eq(enforcerReceiptKeys.tenantId, tenantId) : eq(enforcerReceiptKeys.enforcerId, enforcerId))
        .orderBy(asc(enforcerReceiptKeys.announcedAt), asc(enforcerReceiptKeys.keyId), asc(enforcerReceiptKeys.instanceId)),
    );
  }

  /**
   * The registration a token hash belongs to, looked up before any tenant is known (the
   * config stream's Hello) through the SECURITY DEFINER function, by exact hash only.
   */
  async findByTokenHash(tokenHash: string): Promise<{ enforcerId: string; tenantId: string; status: string } | undefined> {
    return this.database.transaction(null, async (tx) => {
      const [row] = rowsOf<{ enforcer_id: string; tenant_id: string; status: string }>(
        await tx.execute(sql`SELECT enforcer_id, tenant_id, status FROM thoth_lookup_enforcer_token(${tokenHash})`),
      );
      return row && { enforcerId: row.enforcer_id, tenantId: row.tenant_id, status: row.status };
    });
  }

  static async insert(tx: Tx, row: NewEnforcerRow): Promise<void> {
    await tx.insert(enforcers).values(row);
  }

  static async insertReceiptKey(tx: Tx, row: EnforcerReceiptKeyRow): Promise<void> {
    await tx.insert(enforcerReceiptKeys).values(row);
  }

  /** `change` may hold SQL (e.g. greatest(last_seen_at, …)) as well as values. */
  static async update(tx: Tx, enforcerId: string, change: PgUpdateSetSource<typeof enforcers>): Promise<void> {
    await tx.update(enforcers).set(change).where(eq(enforcers.enforcerId, enforcerId));
  }
}
