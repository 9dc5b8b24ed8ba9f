import type { SqlSession } from '@thoth/db';

type Db = Pick<SqlSession, 'query'>;

export interface AuditRow {
  seq: number;
  decisionId: string;
  entry: Uint8Array;
  /** The level-0 node written when the entry was folded; undefined if missing. */
  storedLeafHash: Uint8Array | undefined;
}

const PAGE = 5000;

/** The tenant's entries in seq order, page by page (keyset), each with its stored leaf hash. */
export async function* readEntries(db: Db, tenantId: string): AsyncGenerator<AuditRow> {
  let after = -1;
  for (;;) {
    const rows = await db.query<{ seq: string; decision_id: string; entry: Buffer; leaf_hash: Buffer | null }>(
      `SELECT e.seq::text, e.decision_id, e.entry, n.hash AS leaf_hash
         FROM ledger_entries e
         LEFT JOIN ledger_nodes n ON n.tenant_id = e.tenant_id AND n.level = 0 AND n.index = e.seq
        WHERE e.tenant_id = $1 AND e.seq > $2
        ORDER BY e.seq LIMIT ${PAGE}`,
      [tenantId, after],
    );
    for (const r of rows) {
      yield {
        seq: Number(r.seq),
        decisionId: r.decision_id,
        entry: new Uint8Array(r.entry),
        storedLeafHash: r.leaf_hash === null ? undefined : new Uint8Array(r.leaf_hash),
      };
    }
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

export async function readTreeSize(db: Db, tenantId: string): Promise<number | undefined> {
  const [row] = await db.query<{ size: string }>('SELECT size::text FROM ledger_trees WHERE tenant_id = $1', [tenantId]);
  return row && Number(row.size);
}
