import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuidv7.js';

describe('uuidv7', () => {
  it('has the RFC 9562 layout and carries the time', () => {
    const id = uuidv7(0x0190_1234_5678);
    expect(id).toMatch(/^01901234-5678-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is unique and sorts by time', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('spreads its random bits over every hex digit they own, for any time', () => {
    const times = [0, 1, 0xfff, 0x1000, 2 ** 24 - 1, 2 ** 24, 1_764_000_000_123, 2 ** 48 - 1];
    for (const t of times) {
      const id = uuidv7(t);
      expect(id.slice(0, 8) + id.slice(9, 13)).toBe(t.toString(16).padStart(12, '0'));
    }
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++) [...uuidv7(1_764_000_000_123)].forEach((c, at) => seen[at]!.add(c));
    // 12 time digits fixed; the version digit fixed; the variant digit one of 8, 9, a, b; every other digit random.
    expect(seen.map((s) => s.size)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 16, 16, 16, 1, 4, 16, 16, 16, 1, ...Array(12).fill(16)]);
  });
});
