import { describe, expect, it } from 'vitest';
import { compositeKey, IdempotencyCache, type EvictionReason } from './idempotency-cache.js';

function cache(ttlMs = 1_000, maxEntries = 3) {
  const evicted: EvictionReason[] = [];
  return { c: new IdempotencyCache<string>({ ttlMs, maxEntries, onEvict: (r) => evicted.push(r) }), evicted };
}

describe('IdempotencyCache', () => {
  it('answers a repeat with the remembered value, and a different fingerprint as a conflict', () => {
    const { c } = cache();
    expect(c.lookup('k', 'f', 0)).toEqual({ kind: 'miss' });
    c.add('k', 'f', 'answer', 0);
    expect(c.lookup('k', 'f', 10)).toEqual({ kind: 'hit', value: 'answer' });
    expect(c.lookup('k', 'other', 10)).toEqual({ kind: 'conflict' });
    // The conflict leaves the remembered answer alone.
    expect(c.lookup('k', 'f', 20)).toEqual({ kind: 'hit', value: 'answer' });
    expect(c.lookup('other-key', 'f', 20)).toEqual({ kind: 'miss' });
  });

  it('forgets an answer once the TTL has passed since it was added (hits do not extend it)', () => {
    const { c, evicted } = cache(1_000);
    c.add('k', 'f', 'a', 0);
    expect(c.lookup('k', 'f', 999)).toMatchObject({ kind: 'hit' });
    expect(c.lookup('k', 'f', 1_000)).toEqual({ kind: 'miss' });
    expect(c.size).toBe(0);
    expect(evicted).toEqual(['expired']);
    // After expiry the key is free: a different call may use it.
    c.add('k', 'g', 'b', 1_000);
    expect(c.lookup('k', 'g', 1_500)).toEqual({ kind: 'hit', value: 'b' });
  });

  it('drops expired entries from the front as time passes', () => {
    const { c, evicted } = cache(1_000, 100);
    c.add('a', 'f', 'a', 0);
    c.add('b', 'f', 'b', 500);
    c.add('c', 'f', 'c', 900);
    expect(c.lookup('zzz', 'f', 1_600)).toEqual({ kind: 'miss' });
    expect(c.size).toBe(1);
    expect(evicted).toEqual(['expired', 'expired']);
    expect(c.lookup('c', 'f', 1_600)).toMatchObject({ kind: 'hit', value: 'c' });
  });

  it('holds at most maxEntries, evicting the oldest first and counting each eviction', () => {
    const { c, evicted } = cache(60_000, 3);
    for (const k of ['a', 'b', 'c']) c.add(k, 'f', k, 0);
    expect(c.lookup('a', 'f', 1)).toMatchObject({ kind: 'hit' }); // a hit does not make it younger
    c.add('d', 'f', 'd', 1);
    c.add('e', 'f', 'e', 2);
    expect(c.size).toBe(3);
    expect(evicted).toEqual(['capacity', 'capacity']);
    expect(c.lookup('a', 'f', 3)).toEqual({ kind: 'miss' });
    expect(c.lookup('b', 'f', 3)).toEqual({ kind: 'miss' });
    for (const k of ['c', 'd', 'e']) expect(c.lookup(k, 'f', 3)).toEqual({ kind: 'hit', value: k });
  });

  it('shares an in-flight answer: the value is whatever was added, e.g. a pending promise', async () => {
    const c = new IdempotencyCache<{ answer: Promise<string> }>({ ttlMs: 1_000, maxEntries: 10 });
    let resolve: (v: string) => void = () => {};
    const pending = { answer: new Promise<string>((r) => (resolve = r)) };
    c.add('k', 'f', pending, 0);
    const seen = c.lookup('k', 'f', 1);
    expect(seen.kind === 'hit' && seen.value).toBe(pending);
    resolve('decided once');
    expect(await (seen.kind === 'hit' ? seen.value.answer : undefined)).toBe('decided once');
  });

  it('forgets an answer only if it is still the one remembered', () => {
    const c = new IdempotencyCache<object>({ ttlMs: 1_000, maxEntries: 10 });
    const first = {};
    const second = {};
    c.add('k', 'f', first, 0);
    c.add('k', 'f', second, 1);
    c.forget('k', first);
    expect(c.lookup('k', 'f', 2)).toEqual({ kind: 'hit', value: second });
    c.forget('k', second);
    expect(c.lookup('k', 'f', 2)).toEqual({ kind: 'miss' });
  });

  it('refuses nonsense bounds', () => {
    expect(() => new IdempotencyCache({ ttlMs: 0, maxEntries: 1 })).toThrow(RangeError);
    expect(() => new IdempotencyCache({ ttlMs: 1, maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('compositeKey', () => {
  it('cannot be forged by moving a separator between parts', () => {
    expect(compositeKey('a:b', 'c')).not.toBe(compositeKey('a', 'b:c'));
    expect(compositeKey('ab', 'c')).not.toBe(compositeKey('a', 'bc'));
    expect(compositeKey('t', 'a', 'r')).toBe(compositeKey('t', 'a', 'r'));
  });
});
