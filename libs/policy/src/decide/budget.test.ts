import { describe, expect, it } from 'vitest';
import { spent, within } from './budget.js';

describe('the evaluation budget', () => {
  it('is spent at its deadline, or within a margin of it for work that looks at the clock now and then', () => {
    let now = 100;
    within(5, () => now, () => {
      now = 104.6;
      expect([spent(), spent(0.5)]).toEqual([false, true]);
      now = 105.1;
      expect(spent()).toBe(true);
    });
    expect(spent(1_000)).toBe(false);
  });

  it('is given again on a CPU clock once the wall clock has passed it: at most twice the budget of computing', () => {
    let now = 100;
    let cpu = 40;
    within(5, () => now, () => {
      now = 110;
      expect(spent()).toBe(false); // paused: the CPU clock has not moved
      cpu = 44.6;
      expect([spent(), spent(0.5)]).toEqual([false, true]);
      cpu = 45.1;
      expect(spent()).toBe(true);
    }, () => cpu);
  });

  it('keeps the earlier deadline when nested', () => {
    let now = 0;
    within(5, () => now, () =>
      within(50, () => now, () => {
        now = 6;
        expect(spent()).toBe(true);
      }),
    );
  });
});
