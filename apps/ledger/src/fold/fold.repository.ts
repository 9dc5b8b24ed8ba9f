import type { SqlSession } from '@thoth/db';
import type { NewLedgerEntryRow } from '@thoth/db';
import type { NodeWrite } from '@thoth/merkle';
import type { QuarantineCode } from './decode-decision.js';

type Tx = Pick<SqlSession, 'query'>;

export type EntryInsert = Pick<NewLedgerEntryRow, 'tenantId' | 'seq' | 'decisionId' | 'agentId' | 'tool' | 'effect' | 'shadow' | 'entry' | 'sourceOffset'>;

export interface QuarantineInsert {
  offset: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  code: QuarantineCode;
  reason: string;
  /** A decision's tenant, id and receipt key, when it decoded (what its tenant's auditor sees). */
  tenantId?: string;
  decisionId?: string;
  keyId?: string;
}

export interface PartitionRef {
  group: string;
  topic: string;
  partition: number;
}

/**
 * Fold transactions commit without waiting for the WAL flush. Safe for exactly-once: entries and
 * offsets commit atomically, so a Postgres crash can only lose a suffix of whole batches, offsets
 * included, which Kafka then delivers again. Nothing is signed before it is durable: the
 * checkpointer's own commit is synchronous, which flushes every commit it could see, and only then
 * writes the anchor.
 */
export async function relaxCommit(tx: Tx): Promise<void> {
  await tx.query('SET LOCAL synchronous_commit = off');
}

/** Locks the partition's offset row (creating it at `initial`) and returns the next offset to fold. */
export async function lockNextOffset(tx: Tx, p: PartitionRef, initial: number): Promise<number> {
  const [row] = await tx.query<{ next_offset: string }>(
    `INSERT INTO ledger_offsets AS o (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
     ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = o.next_offset
     RETURNING o.next_offset::text`,
    [p.group, p.topic, p.partition, initial],
  );
  return Number(row!.next_offset);
}

export async function readStoredOffsets(db: Tx, group: string, topic: string): Promise<Map<number, number>> {
  const rows = await db.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset::text FROM ledger_offsets WHERE consumer_group = $1 AND topic = $2',
    [group, topic],
  );
  return new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
}

/**
 * Locks the tree rows of these tenants (creating empty ones), in tenant order so that concurrent
 * workers never deadlock, and returns their sizes: the next seq of each log.
 */
export async function lockTreeSizes(tx: Tx, tenantIds: readonly string[]): Promise<Map<string, number>> {
  const sorted = [...tenantIds].sort();
  const rows = await tx.query<{ tenant_id: string; size: string }>(
    `INSERT INTO ledger_trees AS t (tenant_id, size) SELECT id, 0 FROM unnest($1::uuid[]) AS id
     ON CONFLICT (tenant_id) DO UPDATE SET size = t.size
     RETURNING t.tenant_id::text, t.size::text`,
    [sorted],
  );
  return new Map(rows.map((r) => [r.tenant_id, Number(r.size)]));
}

/** Entries already folded under these decision ids (any tenant), with their bytes. */
export async function findFolded(tx: Tx, decisionIds: readonly string[]): Promise<Map<string, { tenantId: string; entry: Buffer }>> {
  if (decisionIds.length === 0) return new Map();
  const rows = await tx.query<{ decision_id: string; tenant_id: string; entry: Buffer }>(
    'SELECT e.decision_id, e.tenant_id::text, e.entry FROM jsonb_array_elements_text($1::jsonb) AS d(id) JOIN ledger_entries e ON e.decision_id = d.id',
    [JSON.stringify(decisionIds)],
  );
  return new Map(rows.map((r) => [r.decision_id, { tenantId: r.tenant_id, entry: r.entry }]));
}

/** A decision held in quarantine as receipt.unknown_key under one of these keys, not released yet. */
export interface HeldDecision {
  id: number;
  topic: string;
  partition: number;
  offset: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

/** The tenant's decisions held for these keys and not released, oldest first. */
export async function heldForKeys(tx: Tx, tenantId: string, keyIds: readonly string[]): Promise<HeldDecision[]> {
  const rows = await tx.query<{ id: string; topic: string; partition: number; offset: string; key: Buffer | null; value: Buffer | null }>(
    `SELECT q.id::text, q.topic, q.partition, q."offset"::text, q.key, q.value FROM ledger_quarantine q
      WHERE q.tenant_id = $1 AND q.reason_code = 'receipt.unknown_key' AND q.key_id = ANY($2::text[])
        AND NOT EXISTS (SELECT 1 FROM ledger_quarantine_releases r WHERE r.quarantine_id = q.id)
      ORDER BY q.id`,
    [tenantId, keyIds],
  );
  return rows.map((r) => ({ id: Number(r.id), topic: r.topic, partition: r.partition, offset: Number(r.offset), key: r.key, value: r.value }));
}

export interface BatchWrite {
  entries: readonly EntryInsert[];
  nodes: ReadonlyArray<{ tenantId: string; node: NodeWrite }>;
  treeSizes: ReadonlyMap<string, number>;
  quarantine: readonly QuarantineInsert[];
  /** Undefined: the partition's offset does not move (a release of held decisions). */
  nextOffset: number | undefined;
  /** Quarantined decisions let out by this write (QuarantineRelease). */
  releases?: readonly ReleaseInsert[];
}

export interface ReleaseInsert {
  quarantineId: number;
  tenantId: string;
  outcome: 'folded' | 'duplicate';
  seq: number | null;
}

/**
 * Everything a batch writes, in ONE statement: the tenants' tree rows are locked until commit, so
 * every round trip here (and every turn of a busy event loop in between) would hold up the next batch.
 * Columns travel as JSON and bytes as single binary parameters sliced by offset: node-postgres would
 * send arrays (bytea[] included) as escaped text, element by element.
 */
export async function writeBatch(tx: Tx, p: PartitionRef, w: BatchWrite): Promise<void> {
  const { blob, starts, lengths } = concat(w.entries.map((r) => r.entry));
  const entries = JSON.stringify(w.entries.map((r, i) => [r.tenantId, r.seq, r.decisionId, r.agentId, r.tool, r.effect, r.shadow, r.sourceOffset, starts[i], lengths[i]]));
  const tenants = [...new Set(w.nodes.map((n) => n.tenantId))];
  const tenantIndex = new Map(tenants.map((t, i) => [t, i]));
  const nodes = JSON.stringify(w.nodes.map((n) => [tenantIndex.get(n.tenantId), n.node.level, n.node.index]));
  const hashes = Buffer.concat(w.nodes.map((n) => n.node.hash));
  const trees = JSON.stringify([...w.treeSizes]);
  const b64 = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));
  // A reason may quote what was refused: stored as text Postgres accepts (no NUL, no lone surrogate).
  const quarantine = JSON.stringify(
    w.quarantine.map((q) => [q.offset, b64(q.key), b64(q.value), q.code, storableText(q.reason), q.tenantId ?? null, q.decisionId === undefined ? null : storableText(q.decisionId), q.keyId === undefined ? null : storableText(q.keyId)]),
  );
  const releases = JSON.stringify((w.releases ?? []).map((r) => [r.quarantineId, r.tenantId, r.outcome, r.seq]));
  await tx.query(
    `WITH entries AS (
       INSERT INTO ledger_entries (tenant_id, seq, decision_id, agent_id, tool, effect, shadow, entry, source_topic, source_partition, source_offset)
       SELECT (r->>0)::uuid, (r->>1)::bigint, r->>2, r->>3, r->>4, (r->>5)::smallint, (r->>6)::boolean,
              substring($2::bytea FROM (r->>8)::int FOR (r->>9)::int), $7, $8, (r->>7)::bigint
         FROM jsonb_array_elements($1::jsonb) AS r
     ), nodes AS (
       -- hash i (1-based ordinality) is bytes 32·(i-1)+1 … 32·i of $5
       INSERT INTO ledger_nodes (tenant_id, level, index, hash)
       SELECT ($4::uuid[])[(r.v->>0)::int + 1], (r.v->>1)::smallint, (r.v->>2)::bigint, substring($5::bytea FROM (r.i - 1)::int * 32 + 1 FOR 32)
         FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS r(v, i)
     ), trees AS (
       UPDATE ledger_trees AS t SET size = (r->>1)::bigint, updated_at = now()
         FROM jsonb_array_elements($6::jsonb) AS r WHERE t.tenant_id = (r->>0)::uuid
     ), quarantined AS (
       -- a message already quarantined (same topic, partition, offset) is not quarantined twice
       INSERT INTO ledger_quarantine (topic, partition, "offset", key, value, reason_code, reason, tenant_id, decision_id, key_id)
       SELECT $7, $8, (r->>0)::bigint, decode(r->>1, 'base64'), decode(r->>2, 'base64'), r->>3, r->>4, (r->>5)::uuid, r->>6, r->>7
         FROM jsonb_array_elements($9::jsonb) AS r
       ON CONFLICT (topic, partition, "offset") DO NOTHING
     ), released AS (
       INSERT INTO ledger_quarantine_releases (quarantine_id, tenant_id, outcome, seq)
       SELECT (r->>0)::bigint, (r->>1)::uuid, r->>2, (r->>3)::bigint FROM jsonb_array_elements($12::jsonb) AS r
     )
     UPDATE ledger_offsets SET next_offset = $10, updated_at = now()
      WHERE $10::bigint IS NOT NULL AND consumer_group = $11 AND topic = $7 AND partition = $8`,
    [entries, blob, nodes, tenants, hashes, trees, p.topic, p.partition, quarantine, w.nextOffset ?? null, p.group, releases],
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with what Postgres text and jsonb refuse (NUL, lone surrogates) replaced by U+FFFD. */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** Concatenates byte strings; `starts` are 1-based, as SQL substring counts. */
function concat(parts: readonly Uint8Array[]): { blob: Buffer; starts: number[]; lengths: number[] } {
  const blob = Buffer.concat(parts);
  const starts: number[] = [];
  const lengths: number[] = [];
  let at = 1;
  for (const part of parts) {
    starts.push(at);
    lengths.push(part.length);
    at += part.length;
  }
  return { blob, starts, lengths };
}
