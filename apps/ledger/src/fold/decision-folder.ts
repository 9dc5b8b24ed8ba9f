import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type Link, type Span, type Tracer } from '@opentelemetry/api';
import type { SqlSession } from '@thoth/db';
import { equalBytes, type CompactRange, type NodeWrite } from '@thoth/merkle';
import { judgeDecisionEvent, type DecisionVerdict, type TenantReceiptKeys } from '@thoth/snapshot';
import { parseTraceParent, spanContextOf } from '@thoth/telemetry';
import type { Frontier, TenantTrees } from '../merkle/tenant-trees.js';
import { decodeDecision, type DecodedDecision } from './decode-decision.js';
import {
  findFolded,
  lockNextOffset,
  lockTreeSizes,
  relaxCommit,
  writeBatch,
  type EntryInsert,
  type PartitionRef,
  type QuarantineInsert,
} from './fold.repository.js';

export interface SourceMessage {
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** The message's `traceparent` header (the enforcer's producer span), when it has one: a link of the fold's span. */
  readonly traceParent?: string | undefined;
}

export interface FoldOutcome {
  /** Entries appended to tenant logs. */
  readonly folded: number;
  /** Redeliveries: decision ids already in the ledger with the same bytes. */
  readonly duplicates: number;
  readonly quarantined: number;
  /** Of those, the decisions not believed (their receipt is not their tenant's enforcer's), by reason. */
  readonly untrusted: Readonly<Record<string, number>>;
  /** Tenants and keys of the decisions held as receipt.unknown_key (the caller releases them once the key is known). */
  readonly heldKeys: ReadonlyArray<{ readonly tenantId: string; readonly keyId: string }>;
  /** Messages below the stored offset (already folded by an earlier batch, possibly another worker's). */
  readonly stale: number;
  /** Tenants whose logs grew. */
  readonly tenants: readonly string[];
  /** Set when the batch starts after the stored offset: consume from here instead (nothing was written). */
  readonly resumeAt?: number;
  /** The next offset to consume on this partition once this batch is done. */
  readonly nextOffset: number;
}

/** The receipt keys of each tenant's enforcers (the ledger's ReceiptKeyDirectory). */
export interface TenantKeySource {
  keysOf(tenantId: string): TenantReceiptKeys;
}

/**
 * Folds one partition's batch into the ledger in ONE transaction: entries, the Merkle nodes they
 * complete, quarantined messages and the partition's next offset commit together or not at all.
 * Only decisions believed are appended: a receipt that does not verify as signed by an enforcer of
 * the event's own tenant (judgeDecisionEvent, the control plane's rule) sends the message to
 * quarantine with its receipt.* reason, before any duplicate check, so a forged copy of a decision
 * id neither lands nor makes the real one look like a conflict.
 * That is the whole exactly-once argument: the offset row is locked first, messages below it are
 * skipped, so a redelivered batch (restart, rebalance, a zombie worker) finds its work done.
 * Tenants' tree rows are locked in tenant order, so batches of several partitions may run at once.
 */
export class DecisionFolder {
  constructor(
    private readonly sql: SqlSession,
    private readonly trees: TenantTrees,
    private readonly group: string,
    private readonly keys: TenantKeySource,
    /** Tracing on (docs/telemetry.md): a span per decision whose trace is sampled; absent: no tracing work. */
    private readonly tracer?: Tracer,
  ) {}

  /**
   * `allowGap`: fold even if the batch starts after the stored offset — only once the consumer has
   * seeked back and Kafka still cannot serve the missing offsets (lost to retention).
   */
  async fold(topic: string, partition: number, messages: readonly SourceMessage[], options: { allowGap?: boolean } = {}): Promise<FoldOutcome> {
    try {
      return await this.#foldBatch(topic, partition, messages, options);
    } catch (error) {
      // Postgres refused a value of the batch (a data exception): never retry the same batch
      // forever. Halve it until the message it cannot store is alone, quarantine that one, fold
      // the rest. Any other failure (the database away, a lock timeout) rejects: the batch comes again.
      const refused = refusedValue(error);
      if (refused === undefined) throw error;
      if (messages.length === 1) return this.#quarantineUnstorable(topic, partition, messages[0]!, refused, options);
      const half = Math.ceil(messages.length / 2);
      const head = await this.fold(topic, partition, messages.slice(0, half), options);
      if (head.resumeAt !== undefined) return head;
      // The second half was fetched right after the first: a gap between them is Kafka's own.
      const tail = await this.fold(topic, partition, messages.slice(half), { allowGap: true });
      return {
        folded: head.folded + tail.folded,
        duplicates: head.duplicates + tail.duplicates,
        quarantined: head.quarantined + tail.quarantined,
        untrusted: addCounts(head.untrusted, tail.untrusted),
        heldKeys: [...head.heldKeys, ...tail.heldKeys],
        stale: head.stale + tail.stale,
        tenants: [...new Set([...head.tenants, ...tail.tenants])],
        nextOffset: Math.max(head.nextOffset, tail.nextOffset),
      };
    }
  }

  /** One message Postgres refused, alone: quarantined with its bytes, the offset moves past it. */
  async #quarantineUnstorable(topic: string, partition: number, m: SourceMessage, refused: { sqlstate: string; message: string }, options: { allowGap?: boolean }): Promise<FoldOutcome> {
    const ref: PartitionRef = { group: this.group, topic, partition };
    return this.sql.transaction(async (tx) => {
      await relaxCommit(tx);
      const next = await lockNextOffset(tx, ref, m.offset);
      if (m.offset < next) return { ...NOTHING, stale: 1, nextOffset: next };
      if (m.offset > next && options.allowGap !== true) return { ...NOTHING, resumeAt: next, nextOffset: next };
      const quarantine: QuarantineInsert = {
        offset: m.offset,
        key: m.key,
        value: m.value,
        code: 'entry.unstorable',
        reason: `Postgres refused the entry's values (SQLSTATE ${refused.sqlstate}: ${refused.message})`,
      };
      await writeBatch(tx, ref, { entries: [], nodes: [], treeSizes: new Map(), quarantine: [quarantine], nextOffset: m.offset + 1 });
      return { ...NOTHING, quarantined: 1, nextOffset: m.offset + 1 };
    });
  }

  async #foldBatch(topic: string, partition: number, messages: readonly SourceMessage[], options: { allowGap?: boolean }): Promise<FoldOutcome> {
    const first = messages[0];
    if (first === undefined) throw new Error('fold needs at least one message');
    const ref: PartitionRef = { group: this.group, topic, partition };
    const decoded = await decodeAll(messages, this.keys);
    const spans = this.tracer === undefined ? undefined : foldSpans(this.tracer, topic, partition, decoded);
    try {
      // The batch's database calls go under the first traced decision's fold span (one transaction for all).
      const traced = spans === undefined ? undefined : spans.values().next().value;
      const commit = () => this.#commitBatch(ref, decoded, options);
      const outcome = await (traced === undefined ? commit() : context.with(trace.setSpan(context.active(), traced), commit));
      if (spans !== undefined) endFoldSpans(spans, outcome.written);
      return outcome.result;
    } catch (error) {
      for (const span of spans?.values() ?? []) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR }).end();
      }
      throw error;
    }
  }

  /** The transaction of `#foldBatch`; `written`: what became of each offset (for the fold spans). */
  async #commitBatch(ref: PartitionRef, decoded: readonly Judged[], options: { allowGap?: boolean }): Promise<{ result: FoldOutcome; written: Written }> {
    const first = decoded[0]!;
    const trees = new Map<string, { range: CompactRange; start: Frontier; writes: NodeWrite[] }>();
    const written: Written = { appended: new Set(), quarantined: new Map() };
    const outcome = await this.sql.transaction(async (tx) => {
      await relaxCommit(tx);
      const next = await lockNextOffset(tx, ref, first.offset);
      const pending = decoded.filter((m) => m.offset >= next);
      const stale = decoded.length - pending.length;
      const head = pending[0];
      if (head === undefined) return { ...NOTHING, stale, nextOffset: next };
      if (head.offset > next && options.allowGap !== true) {
        return { ...NOTHING, stale, resumeAt: next, nextOffset: next };
      }

      const quarantine: QuarantineInsert[] = [];
      const accepted: Array<{ offset: number; decisionId: string; tenantId: string; event: (typeof pending)[number] }> = [];
      const inBatch = new Map<string, Uint8Array>();
      const untrusted: Record<string, number> = {};
      const heldKeys: Array<{ tenantId: string; keyId: string }> = [];
      let duplicates = 0;
      for (const m of pending) {
        if (!m.decoded.ok) {
          quarantine.push({ offset: m.offset, key: m.key, value: m.value, code: m.decoded.code, reason: m.decoded.reason });
          continue;
        }
        if (!m.verdict.ok) {
          const { event } = m.decoded;
          const keyId = event.receipt?.keyId ?? '';
          quarantine.push({ offset: m.offset, key: m.key, value: m.value, code: m.verdict.code, reason: m.verdict.reason, tenantId: event.tenantId, decisionId: event.decisionId, keyId });
          untrusted[m.verdict.code] = (untrusted[m.verdict.code] ?? 0) + 1;
          if (m.verdict.code === 'receipt.unknown_key') heldKeys.push({ tenantId: event.tenantId, keyId });
          continue;
        }
        const id = m.decoded.event.decisionId;
        const seen = inBatch.get(id);
        if (seen !== undefined) {
          if (equalBytes(seen, m.decoded.entry)) duplicates++;
          else quarantine.push(conflict(m, 'an earlier message of this batch'));
          continue;
        }
        inBatch.set(id, m.decoded.entry);
        accepted.push({ offset: m.offset, decisionId: id, tenantId: m.decoded.event.tenantId, event: m });
      }

      const folded = await findFolded(tx, [...inBatch.keys()]);
      const appends = accepted.filter((a) => {
        const existing = folded.get(a.decisionId);
        if (existing === undefined) return true;
        const entry = (a.event.decoded as { entry: Uint8Array }).entry;
        if (existing.tenantId === a.tenantId && equalBytes(existing.entry, entry)) duplicates++;
        else quarantine.push(conflict(a.event, `the entry already folded for tenant ${existing.tenantId}`));
        return false;
      });

      const entries: EntryInsert[] = [];
      const nodes: Array<{ tenantId: string; node: NodeWrite }> = [];
      const sizes = new Map<string, number>();
      if (appends.length > 0) {
        const stored = await lockTreeSizes(tx, [...new Set(appends.map((a) => a.tenantId))]);
        for (const a of appends) {
          const d = a.event.decoded;
          if (!d.ok) continue;
          let tree = trees.get(a.tenantId);
          if (tree === undefined) {
            tree = { ...(await this.trees.checkout(tx, a.tenantId, stored.get(a.tenantId)!)), writes: [] };
            trees.set(a.tenantId, tree);
          }
          const seq = tree.range.size;
          for (const node of tree.range.appendEntry(d.entry)) {
            nodes.push({ tenantId: a.tenantId, node });
            tree.writes.push(node);
          }
          sizes.set(a.tenantId, tree.range.size);
          entries.push({
            tenantId: a.tenantId,
            seq,
            decisionId: a.decisionId,
            agentId: d.event.agentId,
            tool: d.event.tool,
            effect: d.event.effect,
            shadow: d.event.shadow,
            entry: d.entry,
            sourceOffset: a.offset,
          });
        }
      }

      const nextOffset = pending[pending.length - 1]!.offset + 1;
      await writeBatch(tx, ref, { entries, nodes, treeSizes: sizes, quarantine, nextOffset });
      for (const e of entries) written.appended.add(e.sourceOffset);
      for (const q of quarantine) written.quarantined.set(q.offset, q.code);
      return { folded: entries.length, duplicates, quarantined: quarantine.length, untrusted, heldKeys, stale, tenants: [...sizes.keys()], nextOffset } satisfies FoldOutcome;
    });
    // Only now, committed, do the new frontiers become what the next batch starts from.
    for (const [tenantId, tree] of trees) this.trees.publish(tenantId, tree.start, tree.range.size, tree.writes);
    return { result: outcome, written };
  }
}

/** What a committed batch did with each offset: appended to a tenant's log, quarantined (with its code); else a duplicate or stale. */
interface Written {
  readonly appended: Set<number>;
  readonly quarantined: Map<number, string>;
}

/**
 * One span per decision whose trace is sampled, by offset: it continues the trace its event
 * carries (DecisionEvent.trace_parent, covered by the receipt; a malformed one starts none), links
 * the producer span of the message's header, and names the decision (thoth.decision.id).
 */
function foldSpans(tracer: Tracer, topic: string, partition: number, decoded: readonly Judged[]): Map<number, Span> {
  const spans = new Map<number, Span>();
  for (const m of decoded) {
    if (!m.decoded.ok) continue;
    const { event } = m.decoded;
    const parent = parseTraceParent(event.traceParent);
    if (parent === undefined || (parent.traceFlags & TraceFlags.SAMPLED) === 0) continue;
    const produced = parseTraceParent(m.traceParent);
    const links: Link[] = produced === undefined ? [] : [{ context: produced }];
    const span = tracer.startSpan(
      'ledger fold',
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.kafka.offset': m.offset,
          'thoth.decision.id': event.decisionId,
          'thoth.tenant.id': event.tenantId,
        },
      },
      spanContextOf(event.traceParent),
    );
    spans.set(m.offset, span);
  }
  return spans;
}

function endFoldSpans(spans: Map<number, Span>, written: Written): void {
  for (const [offset, span] of spans) {
    const code = written.quarantined.get(offset);
    if (code !== undefined) span.setAttributes({ 'thoth.ledger.result': 'quarantined', 'thoth.ledger.quarantine_code': code });
    else span.setAttribute('thoth.ledger.result', written.appended.has(offset) ? 'appended' : 'already_folded');
    span.end();
  }
}

/**
 * The SQLSTATE and message of a value Postgres cannot store: class 22 (data exception: a NUL or a
 * lone surrogate in text or jsonb, 22P05, 22021; a value out of range) or 54000 (e.g. a row too
 * big for an index). Undefined for anything else.
 */
function refusedValue(error: unknown): { sqlstate: string; message: string } | undefined {
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (/^22[0-9A-Z]{3}$/.test(code) || code === '54000')) {
      return { sqlstate: code, message: String((e as { message?: unknown }).message ?? '') };
    }
  }
  return undefined;
}

const NOTHING: Omit<FoldOutcome, 'nextOffset'> = { folded: 0, duplicates: 0, quarantined: 0, untrusted: {}, heldKeys: [], stale: 0, tenants: [] };

export function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const sum = { ...a };
  for (const [code, n] of Object.entries(b)) sum[code] = (sum[code] ?? 0) + n;
  return sum;
}

function conflict(m: SourceMessage & { decoded: DecodedDecision }, what: string): QuarantineInsert {
  const event = m.decoded.ok ? m.decoded.event : undefined;
  return {
    ...(event ? { tenantId: event.tenantId, decisionId: event.decisionId, keyId: event.receipt?.keyId ?? '' } : {}),
    offset: m.offset,
    key: m.key,
    value: m.value,
    code: 'decision.conflict',
    reason: `decision id already used by ${what}, with different bytes`,
  };
}

const DECODE_SLICE = 500;

type Judged = SourceMessage & { decoded: DecodedDecision; verdict: DecisionVerdict };

/**
 * Decodes and verifies in slices, outside the transaction, yielding between them: another batch
 * holding tenant locks must not wait on us.
 */
async function decodeAll(messages: readonly SourceMessage[], keys: TenantKeySource): Promise<Judged[]> {
  const out: Judged[] = [];
  for (let i = 0; i < messages.length; i += DECODE_SLICE) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const m of messages.slice(i, i + DECODE_SLICE)) out.push(judged(m, keys));
  }
  return out;
}

export function judged(m: SourceMessage, keys: TenantKeySource): Judged {
  const decoded = decodeDecision(m.value);
  const verdict: DecisionVerdict = decoded.ok ? judgeDecisionEvent(decoded.event, keys.keysOf(decoded.event.tenantId), m.value ?? undefined) : { ok: true };
  return { ...m, decoded, verdict };
}
