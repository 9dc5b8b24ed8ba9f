import type { ApplyResult, StateOwner, StateUpdate, WindowQuota, WindowStateOptions, WindowStateStats, WindowStateView } from '../types.js';

/**
 * One sliding window: a ring of `buckets` time buckets of `resolution` ms each, holding
 * calls and records. Bucket number b = floor(ts / resolution); at time `now` the window
 * holds the buckets b with floor(now / resolution) - buckets < b <= floor(now / resolution).
 */
class Ring {
  /** Bucket number held by the newest slot (-Infinity while empty; times before 1970 are negative). */
  head = Number.NEGATIVE_INFINITY;
  /** Sum of every slot (valid for reads at `head`). */
  totalCalls = 0;
  totalRecords = 0;
  /**
   * Calls of slot i at [2i], records at [2i + 1]. One plain array, not two Float64Arrays:
   * a typed array this small keeps its bytes outside the JS heap (a malloc'd backing store
   * plus an ArrayBuffer per array), which tripled the resident memory of 100,000 keys.
   */
  readonly slots: number[];
  /** Whose calls created the key (the quotas it is charged to); undefined for an update applied without an owner. */
  tenant: Tally | undefined = undefined;
  agent: Tally | undefined = undefined;

  constructor(
    readonly windowMs: number,
    readonly resolution: number,
    readonly size: number,
  ) {
    this.slots = new Array<number>(2 * size).fill(0);
  }

  add(ts: number, calls: number, records: number): void {
    const b = Math.floor(ts / this.resolution);
    if (b > this.head) this.advance(b);
    else if (b <= this.head - this.size) return; // older than anything kept: already out of every window
    const slot = mod(b, this.size);
    this.slots[2 * slot]! += calls;
    this.slots[2 * slot + 1]! += records;
    this.totalCalls += calls;
    this.totalRecords += records;
  }

  /** Moves the head to bucket b, clearing the slots that fall out (at most `size` per call, amortized O(1)). */
  private advance(b: number): void {
    if (b - this.head >= this.size) {
      this.slots.fill(0);
      this.totalCalls = 0;
      this.totalRecords = 0;
    } else {
      for (let nb = this.head + 1; nb <= b; nb++) {
        const slot = mod(nb, this.size);
        this.totalCalls -= this.slots[2 * slot]!;
        this.totalRecords -= this.slots[2 * slot + 1]!;
        this.slots[2 * slot] = 0;
        this.slots[2 * slot + 1] = 0;
      }
    }
    this.head = b;
  }

  read(now: number, out: { calls: number; records: number }): void {
    const nb = Math.floor(now / this.resolution);
    if (nb === this.head) {
      out.calls = this.totalCalls;
      out.records = this.totalRecords;
      return;
    }
    let calls = 0;
    let records = 0;
    const low = nb - this.size; // exclusive
    for (let k = 0; k < this.size; k++) {
      const b = this.head - k;
      if (b <= low) break;
      if (b > nb) continue;
      const slot = mod(b, this.size);
      calls += this.slots[2 * slot]!;
      records += this.slots[2 * slot + 1]!;
    }
    out.calls = calls;
    out.records = records;
  }

  /** True when nothing in the ring can be inside a window ending at or after `now`. */
  idleAt(now: number): boolean {
    return this.head <= Math.floor(now / this.resolution) - this.size;
  }
}

function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}

const EMPTY = Object.freeze({ calls: 0, records: 0 });
/** Rough per-key overhead beyond the two buffers: Map entry, key string, Ring object, typed-array headers. */
const KEY_OVERHEAD_BYTES = 240;
/** Least time (of `now`) between two full sweeps for idle keys when a quota is reached: bounds their cost under a flood. */
const SWEEP_INTERVAL_MS = 1_000;
/** The answer of `apply` when every update was counted (shared, never allocated per call). */
const TRACKED: ApplyResult = Object.freeze({ untracked: 0 });

/** Live keys created by one owner (a tenant, or an agent of a tenant). */
class Tally {
  keys = 0;
  constructor(readonly id: string) {}
}

/**
 * Sliding-window counters with bounded memory, which a flood of new keys cannot use to
 * erase live counts: at most `maxKeys` keys in all, `maxKeysPerTenant` created by one
 * tenant's calls and `maxKeysPerAgent` by one agent's. A key whose window still holds
 * counts is never evicted; only idle keys (windows entirely in the past) are dropped to
 * make room. When a new key cannot be kept, `apply` leaves it uncounted and says so
 * (`untracked`, and the quota that was full): the caller decides what that call gets (the
 * enforcer: the tenant's fail mode). Updates are O(1) amortized; a full sweep for idle keys
 * happens at most once per second of `now`, and only when a quota is reached; reads are
 * O(buckets) at worst and O(1) when the window's head is now.
 */
export class WindowState implements WindowStateView {
  readonly maxKeys: number;
  readonly maxKeysPerTenant: number;
  readonly maxKeysPerAgent: number;
  readonly buckets: number;
  #rings = new Map<string, Ring>();
  readonly #tenants = new Map<string, Tally>();
  readonly #agents = new Map<string, Tally>();
  #evictions = 0;
  #refused = 0;
  #bytes = 0;
  #nextSweep = Number.NEGATIVE_INFINITY;
  readonly #scratch = { calls: 0, records: 0 };

  constructor(opts: WindowStateOptions = {}) {
    this.maxKeys = opts.maxKeys ?? 100_000;
    this.maxKeysPerTenant = opts.maxKeysPerTenant ?? this.maxKeys;
    this.maxKeysPerAgent = opts.maxKeysPerAgent ?? this.maxKeysPerTenant;
    this.buckets = opts.buckets ?? 20;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new RangeError('WindowState maxKeys must be a positive integer');
    if (!Number.isInteger(this.maxKeysPerTenant) || this.maxKeysPerTenant < 1) throw new RangeError('WindowState maxKeysPerTenant must be a positive integer');
    if (!Number.isInteger(this.maxKeysPerAgent) || this.maxKeysPerAgent < 1) throw new RangeError('WindowState maxKeysPerAgent must be a positive integer');
    if (!Number.isInteger(this.buckets) || this.buckets < 1 || this.buckets > 3600) throw new RangeError('WindowState buckets must be an integer in 1..3600');
  }

  /**
   * Calls and records inside the window ending at `now`. The returned object is reused by
   * the next read: copy what you need.
   */
  read(key: string, windowMs: number, now: number): { readonly calls: number; readonly records: number } {
    const ring = this.#rings.get(key);
    if (ring === undefined || ring.windowMs !== windowMs) return EMPTY;
    ring.read(now, this.#scratch);
    return this.#scratch;
  }

  /**
   * Applies the updates of a decision, stamped `now`, on behalf of `owner` (the tenant and
   * agent of the call: the quotas new keys are charged to; without an owner only `maxKeys`
   * applies). Keys already kept are always updated. A new key that would exceed a quota,
   * once idle keys are dropped, is not kept: the answer counts those updates (`untracked`)
   * and names the first quota that was full.
   */
  apply(updates: readonly StateUpdate[], now: number, owner?: StateOwner): ApplyResult {
    return this.#apply(updates, now, owner, true);
  }

  /**
   * Applies another decider's updates (docs/fleet-state.md), stamped with the time it decided:
   * as `apply`, except that a key this state holds with another window length is left as it is
   * and the update is not counted (`mismatched`). `apply` replaces such a key, since a local
   * window only changes length with the policy; a peer still on an older policy version must not
   * erase the counts of the current one, update after update, during a rollout.
   */
  fold(updates: readonly StateUpdate[], at: number, owner?: StateOwner): ApplyResult {
    return this.#apply(updates, at, owner, false);
  }

  #apply(updates: readonly StateUpdate[], now: number, owner: StateOwner | undefined, replace: boolean): ApplyResult {
    let untracked = 0;
    let mismatched = 0;
    let quota: WindowQuota | undefined;
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      let ring = this.#rings.get(u.key);
      if (ring !== undefined && ring.windowMs !== u.windowMs && !replace) {
        mismatched++;
        continue;
      }
      if (ring === undefined || ring.windowMs !== u.windowMs) {
        let tenant: Tally | undefined;
        let agent: Tally | undefined;
        if (ring !== undefined) {
          // Same key, another window length (a policy change): replaced in place, same owner.
          tenant = ring.tenant;
          agent = ring.agent;
          this.#rings.delete(u.key);
          this.#bytes -= ring.size * 16 + KEY_OVERHEAD_BYTES + u.key.length * 2;
        } else {
          const full = this.#admit(now, owner);
          if (full !== undefined) {
            untracked++;
            quota ??= full;
            this.#refused++;
            continue;
          }
          if (owner !== undefined) {
            tenant = tally(this.#tenants, owner.tenantId);
            agent = tally(this.#agents, `${owner.tenantId}\u0000${owner.agentId}`);
            tenant.keys++;
            agent.keys++;
          }
        }
        const resolution = Math.max(1, Math.ceil(u.windowMs / this.buckets));
        ring = new Ring(u.windowMs, resolution, Math.ceil(u.windowMs / resolution));
        ring.tenant = tenant;
        ring.agent = agent;
        this.#bytes += ring.size * 16 + KEY_OVERHEAD_BYTES + u.key.length * 2;
      } else {
        this.#rings.delete(u.key); // re-insert below: Map order = least recently updated first
      }
      this.#rings.set(u.key, ring);
      ring.add(now, u.calls, u.records);
    }
    if (untracked === 0 && mismatched === 0) return TRACKED;
    return { untracked, ...(quota === undefined ? {} : { quota }), ...(mismatched === 0 ? {} : { mismatched }) };
  }

  /** Drops every key whose window is entirely in the past at `now` (not counted as evictions). */
  prune(now: number): number {
    let n = 0;
    for (const [key, ring] of this.#rings) {
      if (ring.idleAt(now)) {
        this.#drop(key, ring);
        n++;
      }
    }
    return n;
  }

  stats(): WindowStateStats {
    return {
      liveKeys: this.#rings.size,
      maxKeys: this.maxKeys,
      maxKeysPerTenant: this.maxKeysPerTenant,
      maxKeysPerAgent: this.maxKeysPerAgent,
      evictions: this.#evictions,
      refused: this.#refused,
      approxBytes: this.#bytes,
    };
  }

  /** Live keys charged to a tenant, or to one of its agents. */
  keysOf(tenantId: string, agentId?: string): number {
    return (agentId === undefined ? this.#tenants.get(tenantId) : this.#agents.get(`${tenantId}\u0000${agentId}`))?.keys ?? 0;
  }

  /** Undefined when a new key of `owner` fits, idle keys dropped if need be; else the quota that is full. */
  #admit(now: number, owner: StateOwner | undefined): WindowQuota | undefined {
    let full = this.#full(owner);
    if (full === undefined) return undefined;
    // An idle key among the oldest few makes room for anyone's key at once.
    if (full === 'enforcer' && this.#evictIdle(now)) full = this.#full(owner);
    if (full !== undefined && now >= this.#nextSweep) {
      this.#nextSweep = now + SWEEP_INTERVAL_MS;
      this.prune(now);
      full = this.#full(owner);
    }
    return full;
  }

  #full(owner: StateOwner | undefined): WindowQuota | undefined {
    if (this.#rings.size >= this.maxKeys) return 'enforcer';
    if (owner === undefined) return undefined;
    if ((this.#tenants.get(owner.tenantId)?.keys ?? 0) >= this.maxKeysPerTenant) return 'tenant';
    if ((this.#agents.get(`${owner.tenantId}\u0000${owner.agentId}`)?.keys ?? 0) >= this.maxKeysPerAgent) return 'agent';
    return undefined;
  }

  /** Drops an idle key among the 8 least recently updated, counted as an eviction; false when none is idle. */
  #evictIdle(now: number): boolean {
    let looked = 0;
    for (const [key, ring] of this.#rings) {
      if (ring.idleAt(now)) {
        this.#drop(key, ring);
        this.#evictions++;
        return true;
      }
      if (++looked >= 8) break;
    }
    return false;
  }

  #drop(key: string, ring: Ring): void {
    this.#rings.delete(key);
    this.#bytes -= ring.size * 16 + KEY_OVERHEAD_BYTES + key.length * 2;
    release(this.#tenants, ring.tenant);
    release(this.#agents, ring.agent);
  }
}

function tally(map: Map<string, Tally>, id: string): Tally {
  let t = map.get(id);
  if (t === undefined) map.set(id, (t = new Tally(id)));
  return t;
}

function release(map: Map<string, Tally>, t: Tally | undefined): void {
  if (t !== undefined && --t.keys === 0) map.delete(t.id);
}

/** Functional form of `state.apply(updates, now, owner)`. */
export function applyUpdates(state: WindowState, updates: readonly StateUpdate[], now: number, owner?: StateOwner): ApplyResult {
  return state.apply(updates, now, owner);
}

/** Key kinds `decide` writes: L (limits), S (sequences), D (drift baselines). */
const WINDOW_KEY_KINDS = new Set([76, 83, 68]);

/**
 * The tenant a window key belongs to (`decide` builds every key as kind, element id (or drift check), tenant, then
 * the scope's parts, separated by U+0000), or undefined for a string that is not such a key. A
 * decider folding another's updates keeps only those of the decision's own tenant.
 */
export function windowKeyTenant(key: string): string | undefined {
  if (key.length < 5 || !WINDOW_KEY_KINDS.has(key.charCodeAt(0)) || key.charCodeAt(1) !== 0) return undefined;
  const idEnd = key.indexOf('\u0000', 2);
  if (idEnd <= 2) return undefined;
  const tenantEnd = key.indexOf('\u0000', idEnd + 1);
  const tenant = tenantEnd === -1 ? key.slice(idEnd + 1) : key.slice(idEnd + 1, tenantEnd);
  return tenant === '' ? undefined : tenant;
}
