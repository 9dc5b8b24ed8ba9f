import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { windowKeyTenant, type StateUpdate, type WindowState } from '@thoth/policy';
import { judgePublishedDecision, type DecisionTrustCode, type PublishedVerdict, type ReceiptKeyDirectory } from '@thoth/snapshot';
import type { Logger } from '../logger.js';
import type { ActiveSnapshots } from '../sync/active-snapshots.js';

/**
 * Why a peer's decision (or one of its updates) was not folded; stable codes. The receipt's
 * own codes are the ledger's (`judgeDecisionEvent`); FLEET_MALFORMED: the message does not
 * decode; FLEET_TENANT_MISMATCH: its Kafka key names another tenant than the event;
 * FLEET_FOREIGN_KEY: an update's window key names another tenant than the event (counted per
 * update); FLEET_HOLD_FULL: its receipt key was not in the directory yet and the holding area
 * was full (the oldest held event is dropped). Per update, of a decision believed: FLEET_QUOTA_FULL,
 * a new window key past a quota of the window state (its count is lost); FLEET_WINDOW_MISMATCH, a
 * key held here with another window length (a peer on another policy version; WindowState.fold).
 */
export type FleetRejectCode =
  | DecisionTrustCode
  | 'FLEET_MALFORMED'
  | 'FLEET_TENANT_MISMATCH'
  | 'FLEET_FOREIGN_KEY'
  | 'FLEET_HOLD_FULL'
  | 'FLEET_QUOTA_FULL'
  | 'FLEET_WINDOW_MISMATCH';

export type FoldPhase = 'rebuild' | 'follow';

/** What a fold reports, for the metrics. */
export interface FoldListener {
  folded(phase: FoldPhase, propagationMs: number): void;
  rejected(code: FleetRejectCode, count: number): void;
}

export interface FleetFoldOptions {
  readonly enforcerId: string;
  /** Epoch ms this process started: its own decisions from then on are already counted. */
  readonly startedAt: number;
  readonly store: ActiveSnapshots;
  readonly state: WindowState;
  readonly directory: ReceiptKeyDirectory;
  readonly clock: () => number;
  readonly logger: Logger;
  readonly listener?: FoldListener;
  /** Events held for a receipt key the directory does not have yet. Default 1,000. */
  readonly holdMax?: number;
}

/** The fields of a decision event a fold reads, decoded without the rest (see `scanEvent`). */
interface ScannedEvent {
  tenantId: string;
  agentId: string;
  enforcerId: string;
  decidedAtMs: number | undefined;
  updates: ScannedUpdate[];
}

/** WindowUpdate's fields, without a protobuf-es message built for each. */
interface ScannedUpdate {
  key: string;
  windowMs: bigint;
  calls: number;
  records: bigint;
}

interface Held {
  readonly tenantId: string;
  readonly value: Uint8Array;
  readonly scanned: ScannedEvent;
  readonly phase: FoldPhase;
}

/**
 * Folds the window counters of the other enforcers' decisions into this enforcer's windows
 * (docs/fleet-state.md): for the tenants it serves, verified like any ingested decision, at the
 * decision's own time clamped to the local clock (a time from the future would move a window's
 * head forward and clear the counts it holds now). Runs for every peer decision, so it reads
 * only the fields it needs and verifies only events that carry updates.
 */
export class FleetFold {
  folded = 0;
  rebuilt = 0;
  rejected = 0;
  lastPropagationMs: number | null = null;
  readonly #o: FleetFoldOptions;
  readonly #holdMax: number;
  /** Oldest first. */
  readonly #held: Held[] = [];
  readonly #unlisten: () => void;

  constructor(options: FleetFoldOptions) {
    this.#o = options;
    this.#holdMax = options.holdMax ?? 1_000;
    this.#unlisten = options.directory.onLearned((tenantId) => this.#release(tenantId));
  }

  get held(): number {
    return this.#held.length;
  }

  close(): void {
    this.#unlisten();
    this.#held.length = 0;
  }

  /** One message of the decisions topic: its key (`tenantId/agentId`) and value. Never throws. */
  fold(key: Buffer | null, value: Buffer | null, phase: FoldPhase): void {
    // Other tenants' decisions are the bulk of the topic: filtered on the key, never decoded.
    if (key === null) return this.#reject('FLEET_MALFORMED', 1, 'a decision message without a key');
    let slash = 0;
    while (slash < key.length && key[slash] !== 0x2f) slash++;
    const tenantId = key.toString('latin1', 0, slash);
    if (this.#o.store.get(tenantId) === undefined) return;
    if (value === null) return this.#reject('FLEET_MALFORMED', 1, 'a decision message without a value');
    const scanned = scanEvent(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    if (scanned === undefined || scanned.decidedAtMs === undefined) return this.#reject('FLEET_MALFORMED', 1, 'a decision message that does not decode');
    if (scanned.updates.length === 0) return;
    if (scanned.tenantId !== tenantId) return this.#reject('FLEET_TENANT_MISMATCH', 1, `keyed for tenant ${tenantId}, the event is tenant ${scanned.tenantId}'s`);
    // This process's own decisions were counted when it made them; a previous process with the same id's were not.
    if (scanned.enforcerId === this.#o.enforcerId && scanned.decidedAtMs >= this.#o.startedAt) return;
    this.#verifyAndApply(tenantId, value, scanned, phase);
  }

  #verifyAndApply(tenantId: string, value: Uint8Array, scanned: ScannedEvent, phase: FoldPhase): void {
    let verdict: PublishedVerdict;
    try {
      verdict = judgePublishedDecision(value, this.#o.directory.keysOf(tenantId));
    } catch {
      return this.#reject('FLEET_MALFORMED', 1, 'a decision message that does not decode');
    }
    if (!verdict.ok) {
      if (verdict.code === 'receipt.unknown_key' && verdict.keyId !== '') return this.#hold({ tenantId, value, scanned, phase });
      return this.#reject(verdict.code, 1, verdict.reason);
    }
    const updates: StateUpdate[] = [];
    let foreign = 0;
    for (const u of scanned.updates) {
      if (windowKeyTenant(u.key) !== tenantId || u.windowMs < 1n || u.windowMs > MAX_WINDOW_MS) foreign++;
      else updates.push({ key: u.key, windowMs: Number(u.windowMs), calls: u.calls, records: Number(u.records) });
    }
    if (foreign > 0) this.#reject('FLEET_FOREIGN_KEY', foreign, `${foreign} update(s) of a tenant ${tenantId} decision name another tenant's window`);
    if (updates.length === 0) return;
    const now = this.#o.clock();
    const decidedAt = scanned.decidedAtMs!;
    const kept = this.#o.state.fold(updates, Math.min(decidedAt, now), { tenantId, agentId: scanned.agentId });
    if (kept.untracked > 0) this.#reject('FLEET_QUOTA_FULL', kept.untracked, `${kept.untracked} update(s) of a tenant ${tenantId} decision not kept: the ${kept.quota} quota of window keys is full`);
    if (kept.mismatched) this.#reject('FLEET_WINDOW_MISMATCH', kept.mismatched, `${kept.mismatched} update(s) of a tenant ${tenantId} decision name a window held here with another length`);
    this.folded++;
    if (phase === 'rebuild') this.rebuilt++;
    else this.lastPropagationMs = now - decidedAt;
    this.#o.listener?.folded(phase, now - decidedAt);
  }

  #hold(held: Held): void {
    if (this.#held.length >= this.#holdMax) {
      const dropped = this.#held.shift()!;
      this.#reject('FLEET_HOLD_FULL', 1, `the holding area is full: dropped a tenant ${dropped.tenantId} decision whose receipt key is still unknown`);
    }
    this.#held.push(held);
  }

  /** The directory learned a tenant's key: its held events are tried again (held again if still unknown). */
  #release(tenantId: string): void {
    if (!this.#held.some((h) => h.tenantId === tenantId)) return;
    const retry = this.#held.filter((h) => h.tenantId === tenantId);
    const rest = this.#held.filter((h) => h.tenantId !== tenantId);
    this.#held.length = 0;
    this.#held.push(...rest);
    for (const h of retry) this.#verifyAndApply(h.tenantId, h.value, h.scanned, h.phase);
  }

  #lastLog = 0;

  #reject(code: FleetRejectCode, count: number, reason: string): void {
    this.rejected += count;
    this.#o.listener?.rejected(code, count);
    // One line a second at most: a flood of bad messages must not flood the log.
    const now = this.#o.clock();
    if (now - this.#lastLog < 1_000) return;
    this.#lastLog = now;
    this.#o.logger.warn({ code, reason, rejected: this.rejected }, 'fleet fold refused a decision');
  }
}

/** A window length no policy writes (about 31 years): beyond it an update is refused, not folded. */
const MAX_WINDOW_MS = 1n << 40n;

const F_TENANT = 3;
const F_AGENT = 4;
const F_ENFORCER = 16;
const F_DECIDED_AT = 18;
const F_WINDOW_UPDATES = 24;

/**
 * The fields of an encoded DecisionEvent a fold reads, in one pass over its tags; the others
 * (arguments, rules, reasons) are skipped unread. Undefined for bytes that are not a message.
 * A full `fromBinary` costs several times this (reflection over every field).
 */
export function scanEvent(bytes: Uint8Array): ScannedEvent | undefined {
  const out: ScannedEvent = { tenantId: '', agentId: '', enforcerId: '', decidedAtMs: undefined, updates: [] };
  const reader = new BinaryReader(bytes);
  try {
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (wireType === WireType.LengthDelimited) {
        switch (field) {
          case F_TENANT:
            out.tenantId = reader.string();
            continue;
          case F_AGENT:
            out.agentId = reader.string();
            continue;
          case F_ENFORCER:
            out.enforcerId = reader.string();
            continue;
          case F_DECIDED_AT:
            out.decidedAtMs = timestampMs(reader.bytes());
            continue;
          case F_WINDOW_UPDATES:
            out.updates.push(windowUpdate(reader.bytes()));
            continue;
        }
        // Skipped without the subarray reader.skip returns.
        const length = reader.uint32();
        if ((reader.pos += length) > reader.len) return undefined;
        continue;
      }
      reader.skip(wireType, field);
    }
  } catch {
    return undefined;
  }
  return reader.pos === reader.len ? out : undefined;
}

function timestampMs(bytes: Uint8Array): number {
  const reader = new BinaryReader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) seconds = Number(reader.int64());
    else if (field === 2 && wireType === WireType.Varint) nanos = reader.int32();
    else reader.skip(wireType, field);
  }
  return seconds * 1000 + Math.floor(nanos / 1_000_000);
}

function windowUpdate(bytes: Uint8Array): ScannedUpdate {
  const reader = new BinaryReader(bytes);
  const u: ScannedUpdate = { key: '', windowMs: 0n, calls: 0, records: 0n };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) u.key = reader.string();
    else if (field === 2 && wireType === WireType.Varint) u.windowMs = BigInt(reader.uint64());
    else if (field === 3 && wireType === WireType.Varint) u.calls = reader.uint32();
    else if (field === 4 && wireType === WireType.Varint) u.records = BigInt(reader.uint64());
    else reader.skip(wireType, field);
  }
  return u;
}
