import { describe, expect, it } from 'vitest';
import { budgetAt, chargeOf, grantOf, type LeaseCharge } from './strict-budget.js';

const LIMIT = { id: 'payouts', windowMs: 60_000, maxCalls: 50, maxRecords: 200 };
const T0 = 1_000_000;
const TTL = 10_000;
const lease = (over: Partial<LeaseCharge> = {}): LeaseCharge => ({ grantedCalls: 12, grantedRecords: 50, usedCalls: null, usedRecords: null, expiresAt: T0 + TTL, settledAt: null, ...over });

describe('a strict limit budget, on an injected clock', () => {
  it('keeps the units of a lease never settled (its enforcer killed) charged until expiry + window', () => {
    const killed = lease();
    for (const now of [T0, T0 + TTL, T0 + TTL + LIMIT.windowMs - 1]) expect(chargeOf(killed, LIMIT.windowMs, now)).toMatchObject({ calls: 12, records: 50 });
    expect(chargeOf(killed, LIMIT.windowMs, T0 + TTL + LIMIT.windowMs)).toMatchObject({ calls: 0, records: 0 });
    expect(budgetAt([killed], LIMIT, T0).nextRelease).toBe(T0 + TTL);
    const budget = budgetAt([killed], LIMIT, T0 + TTL + LIMIT.windowMs - 1);
    expect(budget).toMatchObject({ chargedCalls: 12, remainingCalls: 38, remainingRecords: 150, nextRelease: T0 + TTL + LIMIT.windowMs });
  });

  it('frees the unused units of a settled lease at settlement; its used units stay charged until settlement + window', () => {
    const settledAt = T0 + 2_000;
    const settled = lease({ usedCalls: 5, usedRecords: 20, settledAt });
    expect(chargeOf(settled, LIMIT.windowMs, settledAt)).toMatchObject({ calls: 5, records: 20 });
    expect(chargeOf(settled, LIMIT.windowMs, settledAt + LIMIT.windowMs - 1)).toMatchObject({ calls: 5, records: 20 });
    expect(chargeOf(settled, LIMIT.windowMs, settledAt + LIMIT.windowMs)).toMatchObject({ calls: 0, records: 0 });
  });

  it('grants min(want, remaining) per dimension, and nothing once a dimension is spent', () => {
    const leases = [lease({ grantedCalls: 48, grantedRecords: 150 })];
    const budget = budgetAt(leases, LIMIT, T0);
    expect(grantOf({ calls: 13, records: 50 }, budget, LIMIT)).toEqual({ calls: 2, records: 50 });
    const spent = budgetAt([...leases, lease({ grantedCalls: 2, grantedRecords: 50 })], LIMIT, T0);
    expect(spent).toMatchObject({ remainingCalls: 0, remainingRecords: 0 });
    expect(grantOf({ calls: 13, records: 50 }, spent, LIMIT)).toEqual({ calls: 0, records: 0 });
  });

  it('never lets charged units exceed the maximum, whatever the order of grants and settlements', () => {
    let now = T0;
    const leases: LeaseCharge[] = [];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let i = 0; i < 2_000; i++) {
      now += rnd(3_000);
      const open = leases.filter((l) => l.settledAt === null && now < l.expiresAt);
      if (open.length > 0 && rnd(2) === 0) {
        const l = open[rnd(open.length)]!;
        const used = { usedCalls: rnd(l.grantedCalls + 1), usedRecords: rnd(l.grantedRecords + 1), settledAt: now };
        leases[leases.indexOf(l)] = { ...l, ...used };
      } else {
        const granted = grantOf({ calls: 1 + rnd(15), records: 1 + rnd(60) }, budgetAt(leases, LIMIT, now), LIMIT);
        if (granted.calls > 0) leases.push(lease({ grantedCalls: granted.calls, grantedRecords: granted.records, expiresAt: now + TTL }));
      }
      const b = budgetAt(leases, LIMIT, now);
      expect(b.chargedCalls).toBeLessThanOrEqual(LIMIT.maxCalls);
      expect(b.chargedRecords).toBeLessThanOrEqual(LIMIT.maxRecords);
    }
  });
});
