import type { SqlSession } from '@thoth/db';
import { CompactRange, rootNodes, type NodeWrite } from '@thoth/merkle';
import { readNodes } from './node.repository.js';

export interface Frontier {
  readonly size: number;
  /** Hashes of rootNodes(size), in that order. */
  readonly hashes: readonly Uint8Array[];
}

/**
 * Each tenant's committed tree frontier, kept in memory between batches. A batch works on its own
 * CompactRange restored from the cached frontier — never on a shared one — and publishes the new
 * frontier only after its transaction committed, so a rolled-back batch leaves nothing behind and
 * concurrent batches (several partitions at once) never see each other's uncommitted appends.
 * The cache is trusted only when its size equals the size stored in ledger_trees, read under that
 * row's lock: another worker may have appended meanwhile. Otherwise the frontier is read back from
 * ledger_nodes (at most log2(n)+1 rows).
 */
export class TenantTrees {
  readonly #frontiers = new Map<string, Frontier>();

  /** A private range at the committed size, and the frontier it started from (for publish). */
  async checkout(db: Pick<SqlSession, 'query'>, tenantId: string, storedSize: number): Promise<{ range: CompactRange; start: Frontier }> {
    const cached = this.#frontiers.get(tenantId);
    const start: Frontier =
      cached !== undefined && cached.size === storedSize
        ? cached
        : { size: storedSize, hashes: storedSize === 0 ? [] : await readNodes(db, tenantId, rootNodes(storedSize)) };
    return { range: CompactRange.restore(start.size, start.hashes), start };
  }

  /**
   * After commit: the frontier at `size`, from the frontier the batch started from and the nodes it
   * wrote (a maximal complete subtree of the bigger tree was either maximal before or written now).
   */
  publish(tenantId: string, from: Frontier, size: number, writes: readonly NodeWrite[]): void {
    const cached = this.#frontiers.get(tenantId);
    if (cached !== undefined && cached.size >= size) return;
    const known = new Map<string, Uint8Array>();
    rootNodes(from.size).forEach((id, i) => known.set(`${id.level}/${id.index}`, from.hashes[i]!));
    for (const w of writes) known.set(`${w.level}/${w.index}`, w.hash);
    const hashes = rootNodes(size).map((id) => known.get(`${id.level}/${id.index}`));
    if (hashes.every((h): h is Uint8Array => h !== undefined)) this.#frontiers.set(tenantId, { size, hashes });
    else this.#frontiers.delete(tenantId);
  }

  clear(): void {
    this.#frontiers.clear();
  }
}
