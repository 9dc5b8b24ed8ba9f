import type { SqlSession } from '@thoth/db';
import { equalBytes, type CompactRange, type NodeWrite } from '@thoth/merkle';
import type { Frontier, TenantTrees } from '../merkle/tenant-trees.js';
import { decodeDecision, type DecodedDecision } from './decode-decision.js';
import {
  findFolded,
  lockNextOffset,
  lockTreeSizes,
  relaxCommit,
  writeBatch,
  type EntryInsert,
  type PartitionRef,
  type QuarantineInsert,
} from './fold.repository.js';

export interface SourceMessage {
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
}

export interface FoldOutcome {
  /** Entries appended to tenant logs. */
  readonly folded: number;
  /** Redeliveries: decision ids already in the ledger with the same bytes. */
  readonly duplicates: number;
  readonly quarantined: number;
  /** Messages below the stored offset (already folded by an earlier batch, possibly another worker's). */
  readonly stale: number;
  /** Tenants whose logs grew. */
  readonly tenants: readonly string[];
  /** Set when the batch starts after the stored offset: consume from here instead (nothing was written). */
  readonly resumeAt?: number;
  /** The next offset to consume on this partition once this batch is done. */
  readonly nextOffset: number;
}

/**
 * Folds one partition's batch into the ledger in ONE transaction: entries, the Merkle nodes they
 * complete, quarantined messages and the partition's next offset commit together or not at all.
 * That is the whole exactly-once argument: the offset row is locked first, messages below it are
 * skipped, so a redelivered batch (restart, rebalance, a zombie worker) finds its work done.
 * Tenants' tree rows are locked in tenant order, so batches of several partitions may run at once.
 */
export class DecisionFolder {
  constructor(
    private readonly sql: SqlSession,
    private readonly trees: TenantTrees,
    private readonly group: string,
  ) {}

  /**
   * `allowGap`: fold even if the batch starts after the stored offset — only once the consumer has
   * seeked back and Kafka still cannot serve the missing offsets (lost to retention).
   */
  async fold(topic: string, partition: number, messages: readonly SourceMessage[], options: { allowGap?: boolean } = {}): Promise<FoldOutcome> {
    const first = messages[0];
    if (first === undefined) throw new Error('fold needs at least one message');
    const ref: PartitionRef = { group: this.group, topic, partition };
    const decoded = await decodeAll(messages);
    const trees = new Map<string, { range: CompactRange; start: Frontier; writes: NodeWrite[] }>();
    const outcome = await this.sql.transaction(async (tx) => {
      await relaxCommit(tx);
      const next = await lockNextOffset(tx, ref, first.offset);
      const pending = decoded.filter((m) => m.offset >= next);
      const stale = decoded.length - pending.length;
      const head = pending[0];
      if (head === undefined) return { folded: 0, duplicates: 0, quarantined: 0, stale, tenants: [], nextOffset: next };
      if (head.offset > next && options.allowGap !== true) {
        return { folded: 0, duplicates: 0, quarantined: 0, stale, tenants: [], resumeAt: next, nextOffset: next };
      }

      const quarantine: QuarantineInsert[] = [];
      const accepted: Array<{ offset: number; decisionId: string; tenantId: string; event: (typeof pending)[number] }> = [];
      const inBatch = new Map<string, Uint8Array>();
      let duplicates = 0;
      for (const m of pending) {
        if (!m.decoded.ok) {
          quarantine.push({ offset: m.offset, key: m.key, value: m.value, code: m.decoded.code, reason: m.decoded.reason });
          continue;
        }
        const id = m.decoded.event.decisionId;
        const seen = inBatch.get(id);
        if (seen !== undefined) {
          if (equalBytes(seen, m.decoded.entry)) duplicates++;
          else quarantine.push(conflict(m, 'an earlier message of this batch'));
          continue;
        }
        inBatch.set(id, m.decoded.entry);
        accepted.push({ offset: m.offset, decisionId: id, tenantId: m.decoded.event.tenantId, event: m });
      }

      const folded = await findFolded(tx, [...inBatch.keys()]);
      const appends = accepted.filter((a) => {
        const existing = folded.get(a.decisionId);
        if (existing === undefined) return true;
        const entry = (a.event.decoded as { entry: Uint8Array }).entry;
        if (existing.tenantId === a.tenantId && equalBytes(existing.entry, entry)) duplicates++;
        else quarantine.push(conflict(a.event, `the entry already folded for tenant ${existing.tenantId}`));
        return false;
      });

      const entries: EntryInsert[] = [];
      const nodes: Array<{ tenantId: string; node: NodeWrite }> = [];
      const sizes = new Map<string, number>();
      if (appends.length > 0) {
        const stored = await lockTreeSizes(tx, [...new Set(appends.map((a) => a.tenantId))]);
        for (const a of appends) {
          const d = a.event.decoded;
          if (!d.ok) continue;
          let tree = trees.get(a.tenantId);
          if (tree === undefined) {
            tree = { ...(await this.trees.checkout(tx, a.tenantId, stored.get(a.tenantId)!)), writes: [] };
            trees.set(a.tenantId, tree);
          }
          const seq = tree.range.size;
          for (const node of tree.range.appendEntry(d.entry)) {
            nodes.push({ tenantId: a.tenantId, node });
            tree.writes.push(node);
          }
          sizes.set(a.tenantId, tree.range.size);
          entries.push({
            tenantId: a.tenantId,
            seq,
            decisionId: a.decisionId,
            agentId: d.event.agentId,
            tool: d.event.tool,
            effect: d.event.effect,
            shadow: d.event.shadow,
            entry: d.entry,
            sourceOffset: a.offset,
          });
        }
      }

      const nextOffset = pending[pending.length - 1]!.offset + 1;
      await writeBatch(tx, ref, { entries, nodes, treeSizes: sizes, quarantine, nextOffset });
      return { folded: entries.length, duplicates, quarantined: quarantine.length, stale, tenants: [...sizes.keys()], nextOffset } satisfies FoldOutcome;
    });
    // Only now, committed, do the new frontiers become what the next batch starts from.
    for (const [tenantId, tree] of trees) this.trees.publish(tenantId, tree.start, tree.range.size, tree.writes);
    return outcome;
  }
}

function conflict(m: SourceMessage, what: string): QuarantineInsert {
  return {
    offset: m.offset,
    key: m.key,
    value: m.value,
    code: 'decision.conflict',
    reason: `decision id already used by ${what}, with different bytes`,
  };
}

const DECODE_SLICE = 500;

/** Decodes in slices, yielding between them: another batch holding tenant locks must not wait on us. */
async function decodeAll(messages: readonly SourceMessage[]): Promise<Array<SourceMessage & { decoded: DecodedDecision }>> {
  const out: Array<SourceMessage & { decoded: DecodedDecision }> = [];
  for (let i = 0; i < messages.length; i += DECODE_SLICE) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const m of messages.slice(i, i + DECODE_SLICE)) out.push({ ...m, decoded: decodeDecision(m.value) });
  }
  return out;
}
