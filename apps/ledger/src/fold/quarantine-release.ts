import type { SqlSession } from '@thoth/db';
import { equalBytes, type NodeWrite } from '@thoth/merkle';
import type { Logger } from 'pino';
import type { TenantTrees } from '../merkle/tenant-trees.js';
import { judged, type TenantKeySource } from './decision-folder.js';
import { findFolded, heldForKeys, lockTreeSizes, writeBatch, type EntryInsert, type ReleaseInsert } from './fold.repository.js';

export interface ReleaseOutcome {
  /** Held decisions appended to their tenant's log, now. */
  readonly folded: number;
  /** Held decisions whose id was already in the log with the same bytes. */
  readonly duplicates: number;
  /** Held decisions the key did not free (another reason now holds them; they stay held). */
  readonly stillHeld: number;
}

/**
 * Lets out of quarantine the decisions held as receipt.unknown_key once the directory brings their
 * key (an enforcer decides before its announcement reaches the control plane, or the directory
 * reaches this ledger): each is judged again, and appended to its tenant's log at the end — the
 * order of the log is the order the ledger believed them in — with a release row, in ONE
 * transaction under the tenant's tree lock (what the folder takes too). Exactly once: the lock
 * serialises releases and folds of the tenant, the release row is what marks a held decision
 * done, and a decision id already folded is recorded as a duplicate, never appended twice.
 */
export class QuarantineRelease {
  constructor(
    private readonly sql: SqlSession,
    private readonly trees: TenantTrees,
    private readonly group: string,
    private readonly keys: TenantKeySource,
    private readonly log: Logger,
  ) {}

  async release(tenantId: string, keyIds: readonly string[]): Promise<ReleaseOutcome> {
    // Most keys free nothing (every key is offered at start): look before taking the tenant's lock.
    if ((await heldForKeys(this.sql, tenantId, keyIds)).length === 0) return { folded: 0, duplicates: 0, stillHeld: 0 };
    let start: Parameters<TenantTrees['publish']>[1] | undefined;
    let range: Awaited<ReturnType<TenantTrees['checkout']>>['range'] | undefined;
    const writes: NodeWrite[] = [];
    const outcome = await this.sql.transaction(async (tx) => {
      const size = (await lockTreeSizes(tx, [tenantId])).get(tenantId)!;
      const held = await heldForKeys(tx, tenantId, keyIds);
      if (held.length === 0) return { folded: 0, duplicates: 0, stillHeld: 0 };
      const candidates = held.map((h) => ({ ...h, ...judged(h, this.keys) }));
      const folded = await findFolded(tx, candidates.flatMap((c) => (c.decoded.ok ? [c.decoded.event.decisionId] : [])));
      const releases: ReleaseInsert[] = [];
      const bySource = new Map<string, { topic: string; partition: number; entries: EntryInsert[] }>();
      const appended = new Map<string, Uint8Array>();
      let stillHeld = 0;
      for (const c of candidates) {
        if (!c.decoded.ok || !c.verdict.ok || c.decoded.event.tenantId !== tenantId) {
          stillHeld++;
          this.log.warn({ tenantId, quarantineId: c.id, code: c.verdict.ok ? 'decision.invalid' : c.verdict.code }, 'held decision not released: its key is known now, but it still does not verify');
          continue;
        }
        const { event, entry } = c.decoded;
        const earlier = appended.get(event.decisionId) ?? (folded.get(event.decisionId)?.tenantId === tenantId ? folded.get(event.decisionId)!.entry : undefined);
        if (earlier !== undefined && equalBytes(earlier, entry)) {
          releases.push({ quarantineId: c.id, tenantId, outcome: 'duplicate', seq: null });
          continue;
        }
        if (earlier !== undefined || folded.has(event.decisionId)) {
          stillHeld++;
          this.log.warn({ tenantId, quarantineId: c.id, decisionId: event.decisionId }, 'held decision not released: its id is in a ledger with other bytes');
          continue;
        }
        if (range === undefined) ({ range, start } = await this.trees.checkout(tx, tenantId, size));
        const seq = range.size;
        writes.push(...range.appendEntry(entry));
        appended.set(event.decisionId, entry);
        releases.push({ quarantineId: c.id, tenantId, outcome: 'folded', seq });
        const source = `${c.topic}\u0000${c.partition}`;
        let group = bySource.get(source);
        if (!group) bySource.set(source, (group = { topic: c.topic, partition: c.partition, entries: [] }));
        group.entries.push({ tenantId, seq, decisionId: event.decisionId, agentId: event.agentId, tool: event.tool, effect: event.effect, shadow: event.shadow, entry, sourceOffset: c.offset });
      }
      // One write per source partition (entries name theirs); the nodes, the tree size and the releases with the last.
      const groups = [...bySource.values()];
      if (groups.length === 0) groups.push({ topic: held[0]!.topic, partition: held[0]!.partition, entries: [] });
      for (const [i, g] of groups.entries()) {
        const last = i === groups.length - 1;
        await writeBatch(tx, { group: this.group, topic: g.topic, partition: g.partition }, {
          entries: g.entries,
          nodes: last ? writes.map((node) => ({ tenantId, node })) : [],
          treeSizes: last && range !== undefined ? new Map([[tenantId, range.size]]) : new Map(),
          quarantine: [],
          releases: last ? releases : [],
          nextOffset: undefined,
        });
      }
      return { folded: appended.size, duplicates: releases.length - appended.size, stillHeld };
    });
    if (range !== undefined && start !== undefined) this.trees.publish(tenantId, start, range.size, writes);
    if (outcome.folded + outcome.duplicates > 0) this.log.info({ tenantId, keyIds, ...outcome }, 'decisions held for an unknown receipt key released into the ledger');
    return outcome;
  }
}
