import type { SqlSession } from '@thoth/db';

type Db = Pick<SqlSession, 'query'>;

export interface StoredCheckpoint {
  tenantId: string;
  size: number;
  rootHash: Uint8Array;
  note: string;
  signedAt: Date;
}

interface Row extends Record<string, unknown> {
  tenant_id: string;
  size: string;
  root_hash: Buffer;
  note: string;
  signed_at: Date;
}

// Qualified: ORDER BY size would otherwise sort the ::text output column.
const COLUMNS = 'c.tenant_id::text, c.size::text, c.root_hash, c.note, c.signed_at';
const toCheckpoint = (r: Row): StoredCheckpoint => ({
  tenantId: r.tenant_id,
  size: Number(r.size),
  rootHash: new Uint8Array(r.root_hash),
  note: r.note,
  signedAt: r.signed_at,
});

/** Tenants whose tree has grown past their latest checkpoint, with the size to sign. */
export async function findUncheckpointed(db: Db): Promise<Array<{ tenantId: string; size: number }>> {
  const rows = await db.query<{ tenant_id: string; size: string }>(
    `SELECT t.tenant_id::text, t.size::text FROM ledger_trees t
      WHERE t.size > COALESCE((SELECT max(c.size) FROM ledger_checkpoints c WHERE c.tenant_id = t.tenant_id), 0)`,
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, size: Number(r.size) }));
}

/** The size of the tenant's latest stored checkpoint (0: none). */
export async function latestCheckpointSize(db: Db, tenantId: string): Promise<number> {
  const [row] = await db.query<{ size: string }>('SELECT COALESCE(max(size), 0)::text AS size FROM ledger_checkpoints WHERE tenant_id = $1', [tenantId]);
  return Number(row?.size ?? 0);
}

/** Committed synchronously (the session default), whatever the fold transactions do. */
export async function insertCheckpoints(db: Db, cs: ReadonlyArray<Omit<StoredCheckpoint, 'signedAt'>>): Promise<void> {
  if (cs.length === 0) return;
  await db.query(
    `INSERT INTO ledger_checkpoints (tenant_id, size, root_hash, note)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bytea[], $4::text[])
     ON CONFLICT (tenant_id, size) DO NOTHING`,
    [cs.map((c) => c.tenantId), cs.map((c) => c.size), cs.map((c) => c.rootHash), cs.map((c) => c.note)],
  );
}

export async function latestCheckpoint(db: Db, tenantId: string): Promise<StoredCheckpoint | undefined> {
  const [row] = await db.query<Row>(`SELECT ${COLUMNS} FROM ledger_checkpoints c WHERE c.tenant_id = $1 ORDER BY c.size DESC LIMIT 1`, [tenantId]);
  return row && toCheckpoint(row);
}

export async function checkpointAt(db: Db, tenantId: string, size: number): Promise<StoredCheckpoint | undefined> {
  const [row] = await db.query<Row>(`SELECT ${COLUMNS} FROM ledger_checkpoints c WHERE c.tenant_id = $1 AND c.size = $2`, [tenantId, size]);
  return row && toCheckpoint(row);
}

export async function listCheckpoints(db: Db, tenantId: string): Promise<StoredCheckpoint[]> {
  const rows = await db.query<Row>(`SELECT ${COLUMNS} FROM ledger_checkpoints c WHERE c.tenant_id = $1 ORDER BY c.size`, [tenantId]);
  return rows.map(toCheckpoint);
}

/** Every tenant's latest checkpoint. */
export async function latestCheckpoints(db: Db): Promise<StoredCheckpoint[]> {
  const rows = await db.query<Row>(`SELECT DISTINCT ON (c.tenant_id) ${COLUMNS} FROM ledger_checkpoints c ORDER BY c.tenant_id, c.size DESC`);
  return rows.map(toCheckpoint);
}
