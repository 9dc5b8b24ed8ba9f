import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './decision-log.js';

describe('BoundedQueue places held ahead of their items', () => {
  it('counts held places as taken: an unheld item is refused, a held one always fits', () => {
    const q = new BoundedQueue<number>(3);
    expect(q.push(1)).toBe(true);
    expect([q.reserve(), q.reserve(), q.reserve()]).toEqual([true, true, false]);
    expect(q.push(2)).toBe(false);
    expect(q.push(3, true)).toBe(true);
    expect(q.push(4, true)).toBe(true);
    expect({ size: q.size, reserved: q.reserved }).toEqual({ size: 3, reserved: 0 });
    expect(q.peek(3)).toEqual([1, 3, 4]);
  });

  it('gives a released place back', () => {
    const q = new BoundedQueue<number>(1);
    expect(q.reserve()).toBe(true);
    expect(q.push(1)).toBe(false);
    q.release();
    expect(q.push(1)).toBe(true);
    q.release();
    expect(q.reserved).toBe(0);
  });
});
