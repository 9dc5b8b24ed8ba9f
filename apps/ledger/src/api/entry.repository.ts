import type { SqlSession } from '@thoth/db';

export interface StoredEntry {
  tenantId: string;
  seq: number;
  decisionId: string;
  entry: Uint8Array;
}

/** Tenant-scoped: a decision id of another tenant is simply not found. */
export async function findEntry(db: Pick<SqlSession, 'query'>, tenantId: string, decisionId: string): Promise<StoredEntry | undefined> {
  const [row] = await db.query<{ seq: string; entry: Buffer }>(
    'SELECT seq::text, entry FROM ledger_entries WHERE tenant_id = $1 AND decision_id = $2',
    [tenantId, decisionId],
  );
  return row && { tenantId, seq: Number(row.seq), decisionId, entry: new Uint8Array(row.entry) };
}
