import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Lease, LeaseRequestSchema } from '@thoth/contracts';
import type { LeaseNeed, LeasedBudget, StateUpdate } from '@thoth/policy';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';

export type LeaseRequestInit = MessageInitShape<typeof LeaseRequestSchema>;
/** One LeaseBudget call to the control plane (the config stream's channel and token). */
export type LeaseCall = (request: LeaseRequestInit) => Promise<Lease>;

/** What asking for budget came to: some granted, none left in the fleet's budget, or no answer. */
export type LeaseOutcome = 'granted' | 'exhausted' | 'unavailable';

/** A lease must be spent this long before the control plane's expiry (clocks differ a little). */
const EXPIRY_MARGIN_MS = 1_000;
/** A lease request's own deadline: an answer after the caller stopped waiting still fills the key. */
export const LEASE_CALL_DEADLINE_MS = 5_000;

interface HeldLease {
  readonly leaseId: string;
  readonly calls: number;
  readonly records: number;
  usedCalls: number;
  usedRecords: number;
  /** Local epoch ms after which nothing more is spent from it. */
  readonly spendUntil: number;
  /** Settles it at `spendUntil`. */
  timer?: NodeJS.Timeout;
}

/** One strict limit's key as this enforcer holds it. */
interface KeyBudget {
  readonly key: string;
  readonly tenantId: string;
  readonly limitId: string;
  maxCalls: number | undefined;
  maxRecords: number | undefined;
  /** Spent from in order; a lease leaves the list when a request settles it. */
  leases: HeldLease[];
  /** The request in flight for the key, if any (one at a time). */
  inflight: Promise<LeaseOutcome> | undefined;
  /** Nothing left in the fleet's budget until then (the coordinator's retry_at). */
  retryAt: number;
  /** The records of the last call that spent or needed budget: a lease with fewer left is spent, and a request wants at least that. */
  needRecords: number;
}

export interface LeasedBudgetsOptions {
  readonly enforcerId: string;
  readonly call: LeaseCall;
  readonly clock?: () => number;
  readonly logger?: Logger;
  /** Where the lease metrics go (the enforcer's registry). */
  readonly registry?: Registry;
}

/**
 * The budgets of strict limits this enforcer holds, leased from the control plane
 * (docs/fleet-state.md, "Strict limits"): `lease` answers the engine synchronously from what is
 * held, `spend` takes the units of the calls a strict limit let through, and a key whose leases
 * run low is refilled in the background. A lease is settled (what was used of it reported, the
 * rest returned to the fleet) by the next request for its key, on its expiry, and on `stop`;
 * a lease being settled is no longer spent from, so what the settlement reports is final.
 */
export class LeasedBudgets {
  readonly #o: LeasedBudgetsOptions;
  readonly #clock: () => number;
  readonly #keys = new Map<string, KeyBudget>();
  readonly #granted: Counter<'unit'>;
  readonly #spent: Counter<'unit'>;
  readonly #requests: Counter<'result'>;
  readonly #latency: Histogram;
  #stopped = false;

  constructor(options: LeasedBudgetsOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    const registers = options.registry ? [options.registry] : [];
    this.#granted = new Counter({ name: 'thoth_enforcer_lease_units_granted_total', help: "Strict limits' budget units leased to this enforcer, by unit (calls, records).", labelNames: ['unit'], registers });
    this.#spent = new Counter({ name: 'thoth_enforcer_lease_units_spent_total', help: "Strict limits' budget units spent by calls let through, by unit (calls, records).", labelNames: ['unit'], registers });
    this.#requests = new Counter({
      name: 'thoth_enforcer_lease_requests_total',
      help: 'LeaseBudget requests, by result: granted, exhausted (nothing left in the fleet budget), settled (a release only), unavailable (failed), wait_exceeded (a call stopped waiting for the answer).',
      labelNames: ['result'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'thoth_enforcer_lease_request_duration_seconds',
      help: 'Time a LeaseBudget request took, answered or not.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    const held = () => this.held();
    if (registers.length > 0) new Gauge({ name: 'thoth_enforcer_leases_held', help: "Strict limits' leases this enforcer holds.", registers, collect() { this.set(held()); } });
  }

  /** WindowStateView.lease: the units still spendable for the key (undefined: none held). */
  lease(key: string, _windowMs: number, now: number): LeasedBudget | undefined {
    const k = this.#keys.get(key);
    if (k === undefined) return undefined;
    let calls = 0;
    let records = 0;
    for (const l of k.leases) {
      if (now >= l.spendUntil) continue;
      calls += l.calls - l.usedCalls;
      records += l.records - l.usedRecords;
    }
    // Low water: a quarter of what a request wants; refilled while what is left is spent.
    if (k.inflight === undefined && now >= k.retryAt && !this.#stopped) {
      const want = wants(k);
      if ((k.maxCalls !== undefined && calls <= want.calls / 4) || (k.maxRecords !== undefined && records <= want.records / 4)) void this.#request(k);
    }
    return calls === 0 && records === 0 ? undefined : { calls, records };
  }

  /** Takes the units of a decision's strict updates from the leases held (oldest first). */
  spend(updates: readonly StateUpdate[], now: number): void {
    for (const u of updates) {
      if (u.strict !== true) continue;
      const k = this.#keys.get(u.key);
      if (k === undefined) continue;
      let calls = u.calls;
      let records = u.records;
      for (const l of k.leases) {
        if (now >= l.spendUntil || (calls === 0 && records === 0)) continue;
        const c = Math.min(calls, l.calls - l.usedCalls);
        const r = Math.min(records, l.records - l.usedRecords);
        l.usedCalls += c;
        l.usedRecords += r;
        calls -= c;
        records -= r;
      }
      k.needRecords = u.records;
      this.#spent.inc({ unit: 'calls' }, u.calls);
      if (u.records > 0) this.#spent.inc({ unit: 'records' }, u.records);
      // A lease that cannot pay for another call like this one is settled now: what it has left
      // goes back to the fleet at once rather than at its expiry.
      for (const l of k.leases.filter((l) => !this.#usable(k, l, now))) this.#drop(k, l);
    }
  }

  #usable(k: KeyBudget, l: HeldLease, now: number): boolean {
    if (now >= l.spendUntil) return false;
    if (k.maxCalls !== undefined && l.usedCalls >= l.calls) return false;
    return k.maxRecords === undefined || l.records - l.usedRecords >= Math.max(1, k.needRecords);
  }

  #drop(k: KeyBudget, l: HeldLease): void {
    clearTimeout(l.timer);
    k.leases.splice(k.leases.indexOf(l), 1);
    void this.#settle(k, l);
  }

  /** When every need is refused locally (the fleet's budget is spent): the latest retry time; else undefined. */
  exhaustedUntil(needs: readonly LeaseNeed[], now: number): number | undefined {
    let until = 0;
    for (const n of needs) {
      const k = this.#keys.get(n.key);
      if (k === undefined || k.retryAt <= now) return undefined;
      until = Math.max(until, k.retryAt);
    }
    return until;
  }

  /** The retry time remembered for a key (0: none). */
  retryAt(key: string): number {
    return this.#keys.get(key)?.retryAt ?? 0;
  }

  /**
   * Asks for the budget the needs lack, waiting at most `waitMs`: granted when every key got some,
   * exhausted when one was refused for want of budget, unavailable when one got no answer in time
   * (that answer still fills its key when it comes).
   */
  async acquire(tenantId: string, needs: readonly LeaseNeed[], waitMs: number): Promise<LeaseOutcome> {
    const outcomes = needs.map((n) => {
      const k = this.#key(tenantId, n);
      k.needRecords = n.records;
      return k.inflight ?? this.#request(k);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<LeaseOutcome>(
      (resolve) =>
        (timer = setTimeout(() => {
          this.#requests.inc({ result: 'wait_exceeded' });
          resolve('unavailable');
        }, waitMs)),
    );
    try {
      const results = await Promise.race([Promise.all(outcomes), timeout.then((t) => [t])]);
      return results.includes('unavailable') ? 'unavailable' : results.includes('exhausted') ? 'exhausted' : 'granted';
    } finally {
      clearTimeout(timer);
    }
  }

  /** Leases held (not yet settled). */
  held(): number {
    let n = 0;
    for (const k of this.#keys.values()) n += k.leases.length;
    return n;
  }

  status(): { leasesHeld: number; keys: number } {
    return { leasesHeld: this.held(), keys: this.#keys.size };
  }

  /** Settles every lease held (their unused units return to the fleet at once). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const settling: Promise<unknown>[] = [];
    for (const k of this.#keys.values()) {
      for (const l of k.leases) clearTimeout(l.timer);
      settling.push((k.inflight ?? Promise.resolve()).then(() => Promise.all(k.leases.splice(0).map((l) => this.#settle(k, l)))));
    }
    await Promise.allSettled(settling);
  }

  #key(tenantId: string, n: LeaseNeed): KeyBudget {
    let k = this.#keys.get(n.key);
    if (k === undefined) {
      k = { key: n.key, tenantId, limitId: n.limitId, maxCalls: n.maxCalls, maxRecords: n.maxRecords, leases: [], inflight: undefined, retryAt: 0, needRecords: 0 };
      this.#keys.set(n.key, k);
    }
    return k;
  }

  /**
   * One request for the key: settles the first lease that can no longer be spent from (spent, or
   * past its time), which is dropped first, and asks for a quarter of the maxima.
   */
  #request(k: KeyBudget): Promise<LeaseOutcome> {
    const now = this.#clock();
    // A lease that cannot pay for a call like the last one is settled: what it has left returns to the fleet.
    const index = k.leases.findIndex((l) => !this.#usable(k, l, now));
    const previous = index === -1 ? undefined : k.leases.splice(index, 1)[0];
    clearTimeout(previous?.timer);
    const want = wants(k);
    const request: LeaseRequestInit = {
      enforcerId: this.#o.enforcerId,
      tenantId: k.tenantId,
      limitId: k.limitId,
      key: k.key,
      wantCalls: BigInt(want.calls),
      wantRecords: BigInt(want.records),
      ...(previous ? { previousLeaseId: previous.leaseId, usedCalls: BigInt(previous.usedCalls), usedRecords: BigInt(previous.usedRecords) } : {}),
    };
    const started = performance.now();
    const done = this.#o.call(request).then(
      (lease) => {
        this.#latency.observe((performance.now() - started) / 1000);
        return this.#answered(k, lease, now);
      },
      (error: unknown) => {
        this.#latency.observe((performance.now() - started) / 1000);
        this.#requests.inc({ result: 'unavailable' });
        // The settlement did not arrive: the lease stays unspendable and is settled again later.
        if (previous) {
          const unspendable: HeldLease = { ...previous, spendUntil: Math.min(previous.spendUntil, now) };
          k.leases.unshift(unspendable);
          unspendable.timer = setTimeout(() => this.#expire(k, unspendable), 1_000);
          unspendable.timer.unref();
        }
        this.#o.logger?.warn({ err: error, limitId: k.limitId }, 'lease request failed');
        return 'unavailable' as const;
      },
    );
    k.inflight = done;
    void done.finally(() => {
      if (k.inflight === done) k.inflight = undefined;
    });
    return done;
  }

  #answered(k: KeyBudget, lease: Lease, sentAt: number): LeaseOutcome {
    if (lease.maxCalls > 0n || lease.maxRecords > 0n) {
      k.maxCalls = lease.maxCalls > 0n ? Number(lease.maxCalls) : undefined;
      k.maxRecords = lease.maxRecords > 0n ? Number(lease.maxRecords) : undefined;
    }
    if (lease.leaseId === '') {
      const retryAt = lease.retryAt ? timestampMs(lease.retryAt) : 0;
      k.retryAt = retryAt;
      this.#requests.inc({ result: retryAt > 0 ? 'exhausted' : 'settled' });
      return 'exhausted';
    }
    this.#requests.inc({ result: 'granted' });
    const calls = Number(lease.calls);
    const records = Number(lease.records);
    this.#granted.inc({ unit: 'calls' }, calls);
    if (records > 0) this.#granted.inc({ unit: 'records' }, records);
    const expiresAt = lease.expiresAt ? timestampMs(lease.expiresAt) : sentAt;
    const spendUntil = expiresAt - EXPIRY_MARGIN_MS;
    const held: HeldLease = { leaseId: lease.leaseId, calls, records, usedCalls: 0, usedRecords: 0, spendUntil };
    k.retryAt = 0;
    if (this.#stopped) {
      void this.#settle(k, held);
      return 'granted';
    }
    k.leases.push(held);
    // Settled at its end, so that its unused units return to the fleet then, not a window later.
    held.timer = setTimeout(() => this.#expire(k, held), Math.max(0, spendUntil - this.#clock()));
    held.timer.unref();
    return 'granted';
  }

  #expire(k: KeyBudget, l: HeldLease): void {
    if (!k.leases.includes(l)) return;
    this.#drop(k, l);
    if (k.leases.length === 0 && k.inflight === undefined && k.retryAt <= this.#clock()) this.#keys.delete(k.key);
  }

  /** A settlement alone (want 0); its failure leaves the units charged until expiry + window. */
  async #settle(k: KeyBudget, l: HeldLease): Promise<void> {
    const request: LeaseRequestInit = {
      enforcerId: this.#o.enforcerId,
      tenantId: k.tenantId,
      limitId: k.limitId,
      key: k.key,
      previousLeaseId: l.leaseId,
      usedCalls: BigInt(l.usedCalls),
      usedRecords: BigInt(l.usedRecords),
    };
    try {
      await this.#o.call(request);
      this.#requests.inc({ result: 'settled' });
    } catch (error) {
      this.#requests.inc({ result: 'unavailable' });
      this.#o.logger?.warn({ err: error, limitId: k.limitId }, 'lease settlement failed: its units stay charged until its expiry and a window');
    }
  }
}

/**
 * What a request asks for: a quarter of each maximum (at least 1); records at least the last
 * call's, in a multiple of them (calls alike leave no records stranded in a lease).
 */
function wants(k: KeyBudget): { calls: number; records: number } {
  const need = Math.max(1, k.needRecords);
  return {
    calls: k.maxCalls === undefined ? 0 : Math.max(1, Math.ceil(k.maxCalls / 4)),
    records: k.maxRecords === undefined ? 0 : Math.ceil(Math.max(Math.ceil(k.maxRecords / 4), need) / need) * need,
  };
}
