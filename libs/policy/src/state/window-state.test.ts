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

  it('bounds memory: at most maxKeys, least recently updated evicted first, evictions counted', () => {
    const s = new WindowState({ maxKeys: 3 });
    for (const [i, key] of ['a', 'b', 'c'].entries()) s.apply([{ key, windowMs: W, calls: 1, records: 0 }], 1_000 + i);
    s.apply([{ key: 'a', windowMs: W, calls: 1, records: 0 }], 1_010); // a is fresh again; b is now the oldest
    s.apply([{ key: 'd', windowMs: W, calls: 1, records: 0 }], 1_020);
    expect(s.stats()).toMatchObject({ liveKeys: 3, maxKeys: 3, evictions: 1 });
    expect(s.read('b', W, 1_020).calls).toBe(0);
    expect(s.read('a', W, 1_020).calls).toBe(2);
    for (let i = 0; i < 1_000; i++) s.apply([{ key: `k${i}`, windowMs: W, calls: 1, records: 0 }], 2_000 + i);
    expect(s.stats()).toMatchObject({ liveKeys: 3, evictions: 1_001 });
    expect(s.stats().approxBytes).toBeGreaterThan(0);
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
  });
});
