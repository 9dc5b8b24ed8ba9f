import type { SqlSession } from '@thoth/db';
import { MerkleError, type NodeId } from '@thoth/merkle';

type Queryable = Pick<SqlSession, 'query'>;

/**
 * Reads a tenant's stored subtree hashes in one query, in the order asked: what a proof, a root or
 * a restored CompactRange needs (O(log n) ids). A missing node is an error, never a zero hash.
 */
export async function readNodes(db: Queryable, tenantId: string, ids: readonly NodeId[]): Promise<Uint8Array[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ level: number; index: string; hash: Buffer }>(
    `SELECT n.level, n.index::text AS index, n.hash
       FROM ledger_nodes n
       JOIN unnest($2::smallint[], $3::bigint[]) AS want(level, index) ON n.level = want.level AND n.index = want.index
      WHERE n.tenant_id = $1`,
    [tenantId, ids.map((id) => id.level), ids.map((id) => id.index)],
  );
  const byId = new Map(rows.map((r) => [`${r.level}/${r.index}`, r.hash]));
  return ids.map((id) => {
    const hash = byId.get(`${id.level}/${id.index}`);
    if (hash === undefined) {
      throw new MerkleError('store.missing_node', `tenant ${tenantId} has no stored subtree at level ${id.level}, index ${id.index}`);
    }
    return new Uint8Array(hash.buffer, hash.byteOffset, hash.byteLength);
  });
}

/** The same for several tenants at once: one query for a whole checkpoint round. */
export async function readNodesOfTenants(db: Queryable, wants: ReadonlyArray<{ tenantId: string; ids: readonly NodeId[] }>): Promise<Uint8Array[][]> {
  const flat = wants.flatMap((w) => w.ids.map((id) => ({ tenantId: w.tenantId, ...id })));
  if (flat.length === 0) return wants.map(() => []);
  const rows = await db.query<{ tenant_id: string; level: number; index: string; hash: Buffer }>(
    `SELECT n.tenant_id::text, n.level, n.index::text AS index, n.hash
       FROM ledger_nodes n
       JOIN unnest($1::uuid[], $2::smallint[], $3::bigint[]) AS want(tenant_id, level, index)
         ON n.tenant_id = want.tenant_id AND n.level = want.level AND n.index = want.index`,
    [flat.map((f) => f.tenantId), flat.map((f) => f.level), flat.map((f) => f.index)],
  );
  const byId = new Map(rows.map((r) => [`${r.tenant_id}/${r.level}/${r.index}`, r.hash]));
  return wants.map((w) =>
    w.ids.map((id) => {
      const hash = byId.get(`${w.tenantId}/${id.level}/${id.index}`);
      if (hash === undefined) {
        throw new MerkleError('store.missing_node', `tenant ${w.tenantId} has no stored subtree at level ${id.level}, index ${id.index}`);
      }
      return new Uint8Array(hash.buffer, hash.byteOffset, hash.byteLength);
    }),
  );
}
