import type { StrictLimit } from '@thoth/policy';

/**
 * A strict limit's budget for one window key, leased to enforcers (docs/fleet-state.md, "Strict
 * limits"). The invariant every grant keeps:
 *
 * - a unit is charged from its grant on;
 * - a USED unit stays charged until its lease's settle time + window: it was used before the
 *   settlement, so at the end of any window that contains its use the unit is still charged;
 * - the UNUSED units of a settled lease are freed at settlement;
 * - the units of a lease never settled (its enforcer died) stay charged until its expiry + window
 *   (an enforcer spends nothing after its lease expires).
 *
 * A grant never makes the charged units exceed the maximum, so at any moment charged ≤ max. The
 * calls let through in a window [t − W, t] were each charged at t (granted before their use, not
 * freed before use + W ≥ t), so they number ≤ max: no window of any enforcer lets more through.
 */

/** A lease as the arithmetic reads it (epoch ms). */
export interface LeaseCharge {
  readonly grantedCalls: number;
  readonly grantedRecords: number;
  /** What its enforcer used, once settled. */
  readonly usedCalls: number | null;
  readonly usedRecords: number | null;
  readonly expiresAt: number;
  readonly settledAt: number | null;
}

/** What a lease charges at `now` (zero once the charge ended), and until when. */
export function chargeOf(lease: LeaseCharge, windowMs: number, now: number): { calls: number; records: number; until: number } {
  if (lease.settledAt === null) {
    const until = lease.expiresAt + windowMs;
    return now < until ? { calls: lease.grantedCalls, records: lease.grantedRecords, until } : { calls: 0, records: 0, until };
  }
  const until = lease.settledAt + windowMs;
  return now < until ? { calls: lease.usedCalls ?? lease.grantedCalls, records: lease.usedRecords ?? lease.grantedRecords, until } : { calls: 0, records: 0, until };
}

export interface Budget {
  /** Units charged now, per dimension. */
  readonly chargedCalls: number;
  readonly chargedRecords: number;
  /** What may still be granted (Infinity: that dimension is not limited). */
  readonly remainingCalls: number;
  readonly remainingRecords: number;
  /**
   * When units may return to the budget (undefined: nothing is charged): the oldest charge leaves
   * the window, or sooner, a lease held elsewhere expires (its unused units are freed when its
   * enforcer settles it then).
   */
  readonly nextRelease: number | undefined;
}

export function budgetAt(leases: readonly LeaseCharge[], limit: StrictLimit, now: number): Budget {
  let chargedCalls = 0;
  let chargedRecords = 0;
  let nextRelease: number | undefined;
  for (const lease of leases) {
    const c = chargeOf(lease, limit.windowMs, now);
    if (c.calls === 0 && c.records === 0) continue;
    chargedCalls += c.calls;
    chargedRecords += c.records;
    const release = lease.settledAt === null && now < lease.expiresAt ? lease.expiresAt : c.until;
    if (nextRelease === undefined || release < nextRelease) nextRelease = release;
  }
  return {
    chargedCalls,
    chargedRecords,
    remainingCalls: limit.maxCalls === undefined ? Infinity : Math.max(0, limit.maxCalls - chargedCalls),
    remainingRecords: limit.maxRecords === undefined ? Infinity : Math.max(0, limit.maxRecords - chargedRecords),
    nextRelease,
  };
}

/**
 * min(want, remaining) per dimension; nothing at all when a limited dimension has nothing left
 * (units of one dimension alone would let no call through, and would be kept from other enforcers).
 */
export function grantOf(want: { calls: number; records: number }, budget: Budget, limit: StrictLimit): { calls: number; records: number } {
  if ((limit.maxCalls !== undefined && budget.remainingCalls === 0) || (limit.maxRecords !== undefined && budget.remainingRecords === 0)) return { calls: 0, records: 0 };
  return {
    calls: limit.maxCalls === undefined ? 0 : Math.min(want.calls, budget.remainingCalls),
    records: limit.maxRecords === undefined ? 0 : Math.min(want.records, budget.remainingRecords),
  };
}
