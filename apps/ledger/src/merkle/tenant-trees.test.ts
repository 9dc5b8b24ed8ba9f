import { CompactRange, merkleTreeHash, rootNodes, type NodeWrite } from '@thoth/merkle';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenantTrees } from './tenant-trees.js';

const tenant = '0b6f3a56-1c1e-4c8e-9a57-3f4c2d1e0a99';
const entry = (i: number) => new TextEncoder().encode(`entry ${i}`);

/** A database stand-in that holds every node written, answering readNodes' query shape. */
function nodeTable() {
  const nodes = new Map<string, Uint8Array>();
  return {
    nodes,
    write: (ws: readonly NodeWrite[]) => ws.forEach((w) => nodes.set(`${w.level}/${w.index}`, w.hash)),
    db: {
      query: async (_text: string, params?: unknown[]) => {
        const [, levels, indexes] = params as [string, number[], number[]];
        return levels.flatMap((level, i) => {
          const hash = nodes.get(`${level}/${indexes[i]}`);
          return hash ? [{ level, index: String(indexes[i]), hash: Buffer.from(hash) }] : [];
        });
      },
      transaction: () => Promise.reject(new Error('unused')),
    },
  };
}

describe('TenantTrees', () => {
  it('publishes exactly the committed frontier, batch after batch, for random batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 }), async (batches) => {
        const trees = new TenantTrees();
        const table = nodeTable();
        let size = 0;
        for (const n of batches) {
          const { range, start } = await trees.checkout(table.db as never, tenant, size);
          const writes = Array.from({ length: n }, (_, i) => range.appendEntry(entry(size + i))).flat();
          table.write(writes);
          trees.publish(tenant, start, range.size, writes);
          size += n;
          // What the cache hands out next is the tree of every entry so far.
          const next = await trees.checkout({ query: () => Promise.reject(new Error('should come from the cache')) } as never, tenant, size);
          expect(next.range.root()).toEqual(merkleTreeHash(Array.from({ length: size }, (_, i) => entry(i))));
          expect(next.start.hashes).toHaveLength(rootNodes(size).length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('restores from stored nodes when its size is not the stored size, and never keeps an unpublished append', async () => {
    const trees = new TenantTrees();
    const table = nodeTable();
    const all = CompactRange.empty();
    for (let i = 0; i < 13; i++) table.write(all.appendEntry(entry(i)));
    // Another worker appended 13 entries: this process has never seen the tenant.
    const { range } = await trees.checkout(table.db as never, tenant, 13);
    expect(range.root()).toEqual(all.root());
    // A batch that appends but never commits publishes nothing.
    range.appendEntry(entry(13));
    const again = await trees.checkout(table.db as never, tenant, 13);
    expect(again.range.size).toBe(13);
    expect(again.range.root()).toEqual(all.root());
  });
});
