import { describe, expect, it } from 'vitest';
import { WindowState, applyUpdates } from '../index.js';

const W = 10_000; // 10 s window, 20 buckets of 500 ms

describe('WindowState', () => {
  it('sums calls and records over the sliding window, per bucket', () => {
    const s = new WindowState();
    s.apply([{ key: 'k', windowMs: W, calls: 1, records: 5 }], 0);
    s.apply([{ key: 'k', windowMs: W, calls: 1, records: 7 }], 4_200);
    expect({ ...s.read('k', W, 4_200) }).toEqual({ calls: 2, records: 12 });
    expect({ ...s.read('k', W, 9_999) }).toEqual({ calls: 2, records: 12 });
    // Bucket [0, 500) leaves the window when the window's newest bucket is [10000, 10500).
    expect({ ...s.read('k', W, 10_000) }).toEqual({ calls: 1, records: 7 });
    // The 4,200 ms call sits in bucket [4000, 4500), which leaves at 14,000.
    expect({ ...s.read('k', W, 13_999) }).toEqual({ calls: 1, records: 7 });
    expect({ ...s.read('k', W, 14_000) }).toEqual({ calls: 0, records: 0 });
  });

  it('keeps running totals right as the ring wraps many times', () => {
    const s = new WindowState({ buckets: 10 });
    const events: [number, number][] = [];
    let t = 0;
    for (let i = 0; i < 2_000; i++) {
      t += (i * 7919) % 1_700; // irregular gaps, some longer than a bucket, some zero
      const rec = i % 13;
      s.apply([{ key: 'k', windowMs: W, calls: 1, records: rec }], t);
      events.push([t, rec]);
      // Reference: the buckets b with floor(t/res) - buckets < b <= floor(t/res).
      const nb = Math.floor(t / 1000);
      const inWindow = events.filter(([e]) => Math.floor(e / 1000) > nb - 10);
      expect({ ...s.read('k', W, t) }).toEqual({ calls: inWindow.length, records: inWindow.reduce((a, [, r]) => a + r, 0) });
    }
  });

  it('reads at an earlier time than the newest update see only what was there then', () => {
    const s = new WindowState();
    s.apply([{ key: 'k', windowMs: W, calls: 1, records: 1 }], 0);
    s.apply([{ key: 'k', windowMs: W, calls: 1, records: 1 }], 5_000);
    expect({ ...s.read('k', W, 2_000) }).toEqual({ calls: 1, records: 1 });
    // An update older than the whole ring is dropped.
    s.apply([{ key: 'k', windowMs: W, calls: 1, records: 1 }], 20_000);
    s.apply([{ key: 'k', windowMs: W, calls: 1, records: 1 }], 1_000);
    expect({ ...s.read('k', W, 20_000) }).toEqual({ calls: 1, records: 1 });
  });

  it('bounds memory: at most maxKeys; a live key is never evicted, a new key that does not fit is refused and counted', () => {
    const s = new WindowState({ maxKeys: 3 });
    for (const [i, key] of ['a', 'b', 'c'].entries()) s.apply([{ key, windowMs: W, calls: 1, records: 0 }], 1_000 + i);
    s.apply([{ key: 'a', windowMs: W, calls: 1, records: 0 }], 1_010); // a is fresh again; b is now the oldest
    expect(s.apply([{ key: 'd', windowMs: W, calls: 1, records: 0 }], 1_020)).toEqual({ untracked: 1, quota: 'enforcer' });
    expect(s.stats()).toMatchObject({ liveKeys: 3, maxKeys: 3, evictions: 0, refused: 1 });
    // b, the least recently updated, still holds its count: live counts are never given up.
    expect(s.read('b', W, 1_020).calls).toBe(1);
    expect(s.read('a', W, 1_020).calls).toBe(2);
    expect(s.read('d', W, 1_020).calls).toBe(0);
    for (let i = 0; i < 1_000; i++) s.apply([{ key: `k${i}`, windowMs: W, calls: 1, records: 0 }], 2_000 + i);
    expect(s.stats()).toMatchObject({ liveKeys: 3, evictions: 0, refused: 1_001 });
    expect(s.stats().approxBytes).toBeGreaterThan(0);
    // Keys already kept are always counted, however full the state is.
    expect(s.apply([{ key: 'b', windowMs: W, calls: 1, records: 0 }], 3_000)).toEqual({ untracked: 0 });
    expect(s.read('b', W, 3_000).calls).toBe(2);
    // Once their windows have passed, the keys make room again.
    expect(s.apply([{ key: 'd', windowMs: W, calls: 1, records: 0 }], 20_000)).toEqual({ untracked: 0 });
    expect(s.read('d', W, 20_000).calls).toBe(1);
  });

  it('a flood of new keys cannot evict a counter inside its window (the 50-deletes attack)', () => {
    const owner = { tenantId: 't1', agentId: 'crm-agent' };
    const s = new WindowState({ maxKeys: 1_000, maxKeysPerTenant: 500, maxKeysPerAgent: 100 });
    const deletes = { key: 'L\u0000deletes\u0000t1\u0000crm-agent', windowMs: 600_000, calls: 1, records: 0 };
    for (let i = 0; i < 50; i++) s.apply([deletes], i, owner);
    let untracked = 0;
    for (let i = 0; i < 10_000; i++) untracked += s.apply([{ key: `L\u0000per-resource\u0000t1\u0000crm-agent\u0000r${i}`, windowMs: 600_000, calls: 1, records: 0 }], 1_000 + i, owner).untracked;
    expect(s.read(deletes.key, 600_000, 20_000).calls).toBe(50);
    expect(untracked).toBe(10_000 - 99); // the agent's quota of 100 keys holds its delete counter and 99 others
    expect(s.keysOf('t1', 'crm-agent')).toBe(100);
  });

  it("quotas per tenant and per agent: one agent's flood starves neither its colleagues nor other tenants", () => {
    const s = new WindowState({ maxKeys: 100, maxKeysPerTenant: 30, maxKeysPerAgent: 10 });
    const key = (owner: { tenantId: string; agentId: string }, i: number) => ({ key: `${owner.tenantId}/${owner.agentId}/${i}`, windowMs: W, calls: 1, records: 0 });
    const a1 = { tenantId: 't1', agentId: 'a1' };
    const a2 = { tenantId: 't1', agentId: 'a2' };
    const b1 = { tenantId: 't2', agentId: 'a1' };
    for (let i = 0; i < 10; i++) expect(s.apply([key(a1, i)], 0, a1).untracked).toBe(0);
    expect(s.apply([key(a1, 10)], 1, a1)).toEqual({ untracked: 1, quota: 'agent' });
    expect(s.apply([key(a2, 0)], 1, a2).untracked).toBe(0);
    // The tenant's quota: three agents of t1 fill it, a fourth is refused; t2 is not.
    for (const agentId of ['a3', 'a4']) for (let i = 0; i < 10; i++) s.apply([key({ tenantId: 't1', agentId }, i)], 2, { tenantId: 't1', agentId });
    expect(s.keysOf('t1')).toBe(30); // a1 10, a2 1, a3 10, a4 9: a4's tenth refused by the tenant quota
    expect(s.apply([key({ tenantId: 't1', agentId: 'a5' }, 0)], 3, { tenantId: 't1', agentId: 'a5' })).toEqual({ untracked: 1, quota: 'tenant' });
    expect(s.apply([key(b1, 0), key(b1, 1)], 3, b1)).toEqual({ untracked: 0 });
    expect(s.keysOf('t2', 'a1')).toBe(2);
    // One decision's updates: those that fit are applied, the others counted as untracked.
    const s2 = new WindowState({ maxKeysPerAgent: 2 });
    expect(s2.apply([key(a1, 0), key(a1, 1), key(a1, 2), key(a1, 3)], 0, a1)).toEqual({ untracked: 2, quota: 'agent' });
    expect(s2.stats()).toMatchObject({ liveKeys: 2, refused: 2 });
  });

  it('idle keys of an agent leave its quota once their windows have passed (one sweep per second at most)', () => {
    const a1 = { tenantId: 't1', agentId: 'a1' };
    const s = new WindowState({ maxKeysPerAgent: 5 });
    for (let i = 0; i < 5; i++) s.apply([{ key: `short${i}`, windowMs: 1_000, calls: 1, records: 0 }], 0, a1);
    expect(s.apply([{ key: 'x', windowMs: 1_000, calls: 1, records: 0 }], 500, a1).untracked).toBe(1);
    // At 1,000 ms the windows have passed, but the last sweep was at 500: the next is due at 1,500.
    expect(s.apply([{ key: 'x', windowMs: 1_000, calls: 1, records: 0 }], 1_000, a1).untracked).toBe(1);
    expect(s.apply([{ key: 'x', windowMs: 1_000, calls: 1, records: 0 }], 1_500, a1).untracked).toBe(0);
    expect(s.keysOf('t1', 'a1')).toBe(1);
    expect(s.stats()).toMatchObject({ liveKeys: 1, refused: 2 });
  });

  it('a key whose window length changes is replaced in place, without asking for room', () => {
    const a1 = { tenantId: 't1', agentId: 'a1' };
    const s = new WindowState({ maxKeys: 1 });
    s.apply([{ key: 'k', windowMs: W, calls: 1, records: 0 }], 0, a1);
    expect(s.apply([{ key: 'k', windowMs: 2 * W, calls: 1, records: 0 }], 1, a1)).toEqual({ untracked: 0 });
    expect(s.read('k', 2 * W, 1).calls).toBe(1);
    expect(s.keysOf('t1', 'a1')).toBe(1);
  });

  it('evicts an idle key before a busier one among the oldest', () => {
    const s = new WindowState({ maxKeys: 2 });
    s.apply([{ key: 'short', windowMs: 1_000, calls: 1, records: 0 }], 0); // idle after 1 s
    s.apply([{ key: 'long', windowMs: 60_000, calls: 1, records: 0 }], 1);
    s.apply([{ key: 'short2', windowMs: 1_000, calls: 1, records: 0 }], 5_000);
    // 'short' was both oldest and idle; and 'long' is still live.
    expect(s.read('long', 60_000, 5_000).calls).toBe(1);
    expect(s.stats().evictions).toBe(1);
  });

  it('prunes idle keys without counting them as evictions', () => {
    const s = new WindowState();
    applyUpdates(s, [{ key: 'x', windowMs: 1_000, calls: 1, records: 0 }, { key: 'y', windowMs: 60_000, calls: 1, records: 0 }], 0);
    expect(s.prune(10_000)).toBe(1);
    expect(s.stats()).toMatchObject({ liveKeys: 1, evictions: 0 });
  });

  it('works before 1970 too (negative bucket numbers)', () => {
    const s = new WindowState({ buckets: 1 });
    const t = Date.UTC(1947, 5, 12);
    s.apply([{ key: 'k', windowMs: 1_000, calls: 1, records: 2 }], t);
    expect({ ...s.read('k', 1_000, t) }).toEqual({ calls: 1, records: 2 });
    s.apply([{ key: 'k', windowMs: 1_000, calls: 1, records: 2 }], t);
    expect({ ...s.read('k', 1_000, t + 999) }).toEqual({ calls: 2, records: 4 });
  });

  it('rejects nonsense options', () => {
    expect(() => new WindowState({ maxKeys: 0 })).toThrow(RangeError);
    expect(() => new WindowState({ buckets: 1.5 })).toThrow(RangeError);
    expect(() => new WindowState({ maxKeysPerTenant: 0 })).toThrow(RangeError);
    expect(() => new WindowState({ maxKeysPerAgent: 2.5 })).toThrow(RangeError);
  });
});

describe('windowKeyTenant', () => {
  it('reads the tenant of every key kind decide writes, and nothing from other strings', async () => {
    const { windowKeyTenant } = await import('./window-state.js');
    expect(windowKeyTenant('L\u0000deletes\u0000t1\u0000agent-7')).toBe('t1');
    expect(windowKeyTenant('L\u0000per-tenant\u0000t1')).toBe('t1');
    expect(windowKeyTenant('S\u0000fab\u0000t2\u0000a\u0000crm/x')).toBe('t2');
    expect(windowKeyTenant('D\u0000m\u0000t3\u0000cred')).toBe('t3');
    for (const bad of ['', 'L', 'L\u0000', 'L\u0000\u0000t1', 'L\u0000id\u0000', 'X\u0000id\u0000t1', 'Lid\u0000t1']) expect(windowKeyTenant(bad)).toBeUndefined();
  });
});

describe('fold (a peer decider\'s updates)', () => {
  it('counts like apply, but leaves a key held with another window length as it is', () => {
    const s = new WindowState();
    const now = 1_000_000;
    s.apply([{ key: 'L\u0000l\u0000t\u0000a', windowMs: 600_000, calls: 1, records: 4 }], now);
    expect(s.fold([{ key: 'L\u0000l\u0000t\u0000a', windowMs: 600_000, calls: 1, records: 6 }], now - 5_000)).toEqual({ untracked: 0 });
    expect(s.read('L\u0000l\u0000t\u0000a', 600_000, now)).toEqual({ calls: 2, records: 10 });
    // A peer on an older policy (another window length) does not reset the current window.
    expect(s.fold([{ key: 'L\u0000l\u0000t\u0000a', windowMs: 60_000, calls: 1, records: 1 }], now)).toEqual({ untracked: 0, mismatched: 1 });
    expect(s.read('L\u0000l\u0000t\u0000a', 600_000, now)).toEqual({ calls: 2, records: 10 });
    // apply (a local policy change) still replaces it.
    s.apply([{ key: 'L\u0000l\u0000t\u0000a', windowMs: 60_000, calls: 1, records: 1 }], now);
    expect(s.read('L\u0000l\u0000t\u0000a', 60_000, now)).toEqual({ calls: 1, records: 1 });
  });
});
