import { fromBinary } from '@bufbuild/protobuf';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { DecisionEventSchema } from '@thoth/contracts';
import type { SqlSession } from '@thoth/db';
import { merkleTreeHash, openCheckpoint, parseVerifierKey } from '@thoth/merkle';
import { publicKeyBase64, TenantReceiptKeys } from '@thoth/snapshot';
import { testKafka } from '@thoth/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerReader } from '../../src/api/ledger-reader.js';
import { DirectoryAnchor } from '../../src/checkpoint/anchor.js';
import { DecisionFolder } from '../../src/fold/decision-folder.js';
import { startLedger } from '../../src/ledger.js';
import { TenantTrees } from '../../src/merkle/tenant-trees.js';
import { decisionEvent, encode, message, produce, TEST_ENFORCER_KEY, type Producer } from '../support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, quietLog, type LedgerTestContext } from '../support/ledger-harness.js';

const TENANTS = [randomUUID(), randomUUID(), randomUUID()];

describe('folding decisions from Kafka into the ledger', () => {
  let ctx: LedgerTestContext;
  let producer: Producer;
  const produced: string[] = [];

  beforeAll(async () => {
    ctx = await ledgerTestContext('fold');
    await ctx.createTopic(3);
    await ctx.trust(TENANTS);
    producer = await orderedProducer('ledger-fold-producer');
  });

  afterAll(async () => {
    await producer?.disconnect();
    await ctx?.cleanup();
  });

  // Keys are tenant/agent: 3 tenants × 7 agents spread over the 3 partitions.
  const sendEvents = async (n: number, start: number, redeliver: number): Promise<void> => {
    const events = Array.from({ length: n }, (_, i) => decisionEvent(TENANTS[(start + i) % TENANTS.length]!, start + i, { agentId: `agent-${(start + i) % 7}` }));
    produced.push(...events.map((e) => e.decisionId));
    // An enforcer retrying a send publishes the same event twice: the ledger keeps one.
    const again = events.slice(0, redeliver);
    await produce(producer, ctx.topic, [...events, ...again].map(message));
  };

  it('folds every event exactly once with a contiguous seq per tenant, and resumes from the offsets in Postgres', async () => {
    await sendEvents(3000, 0, 150);
    let ledger = await startLedger(ctx.config(), quietLog, {}, { api: false });
    await eventually(async () => (await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries')) === 3000, '3000 entries');
    await eventually(async () => (await count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group])) === 3150, 'offsets past the redeliveries');
    await ledger.stop();

    // Make Kafka's committed offsets lie (back to the start): Postgres's must win.
    const admin = testKafka('ledger-fold-admin').admin();
    await admin.connect();
    // (The group may still be settling after the worker left: the broker refuses until it is empty.)
    await eventually(
      () =>
        admin.setOffsets({ groupId: ctx.group, topic: ctx.topic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })) }).then(
          () => true,
          () => false,
        ),
      'group empty',
    );
    await admin.disconnect();

    await sendEvents(1000, 3000, 50);
    ledger = await startLedger(ctx.config(), quietLog, {}, { api: false });
    await eventually(async () => (await count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group])) === 4200, 'all 4200 offsets consumed');
    await ledger.stop();

    const rows = await ctx.owner.sql.query<{ decision_id: string; tenant_id: string; seq: string; entry: Buffer }>(
      'SELECT e.decision_id, e.tenant_id::text, e.seq::text, e.entry FROM ledger_entries e ORDER BY e.tenant_id, e.seq',
    );
    expect(rows).toHaveLength(4000);
    expect(new Set(rows.map((r) => r.decision_id))).toEqual(new Set(produced));
    for (const tenant of TENANTS) {
      const log = rows.filter((r) => r.tenant_id === tenant);
      expect(log.map((r) => Number(r.seq))).toEqual(log.map((_, i) => i));
      // The stored tree is the RFC 9162 tree over the stored leaf bytes in seq order.
      const size = await count(ctx.owner, 'SELECT size AS n FROM ledger_trees WHERE tenant_id = $1', [tenant]);
      expect(size).toBe(log.length);
      for (const r of log) expect(fromBinary(DecisionEventSchema, r.entry).tenantId).toBe(tenant);
      const latest = await ctx.owner.sql.query<{ size: string; root_hash: Buffer }>(
        'SELECT c.size::text, c.root_hash FROM ledger_checkpoints c WHERE c.tenant_id = $1 ORDER BY c.size DESC LIMIT 1',
        [tenant],
      );
      expect(Number(latest[0]!.size)).toBe(log.length);
      expect((await new LedgerReader(ctx.owner.sql, ctx.verifierKey).latest(tenant)).size).toBe(log.length);
      expect(new Uint8Array(latest[0]!.root_hash)).toEqual(merkleTreeHash(log.map((r) => new Uint8Array(r.entry))));
    }
    expect(await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_quarantine')).toBe(0);
  });

  it('writes each checkpoint once to the anchor directory, signed, read-only, identical to the stored one', async () => {
    const verifier = parseVerifierKey(ctx.verifierKey);
    if (!verifier.ok) throw new Error(verifier.reason);
    const stored = await ctx.owner.sql.query<{ tenant_id: string; size: string; note: string }>(
      'SELECT c.tenant_id::text, c.size::text, c.note FROM ledger_checkpoints c ORDER BY c.tenant_id, c.size',
    );
    expect(stored.length).toBeGreaterThanOrEqual(TENANTS.length);
    for (const cp of stored) {
      const path = join(ctx.anchorDir, cp.tenant_id, `${cp.size}.checkpoint`);
      expect(readFileSync(path, 'utf8')).toBe(cp.note);
      expect(statSync(path).mode & 0o222).toBe(0);
      const opened = openCheckpoint(cp.note, [verifier.value]);
      expect(opened.ok && opened.value.checkpoint.origin).toBe(`thoth.dev/ledger/${cp.tenant_id}`);
      expect(opened.ok && opened.value.checkpoint.size).toBe(Number(cp.size));
    }
    const anchor = new DirectoryAnchor(ctx.anchorDir);
    const first = stored[0]!;
    await expect(anchor.put(first.tenant_id, Number(first.size), first.note)).resolves.toBeUndefined();
    await expect(anchor.put(first.tenant_id, Number(first.size), `${first.note}tampered\n`)).rejects.toMatchObject({ code: 'anchor.conflict' });
  });

  it('stays exactly once with two workers in the group appending to the same tenants', async () => {
    const before = await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries');
    const offsetsBefore = await count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group]);
    const foldedBy = [0, 0];
    const worker = (i: number) => startLedger(ctx.config(), quietLog, { onFolded: (o) => void (foldedBy[i]! += o.folded) }, { api: false });
    const [a, b] = await Promise.all([worker(0), worker(1)]);
    let round = 0;
    try {
      // Sent while both run, round after round until both have folded some (the group settles on
      // a split of the partitions once both have joined).
      do {
        await sendEvents(300, 10_000 + round * 300, 15);
        round++;
        const want = offsetsBefore + round * 315;
        await eventually(
          async () => (await count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group])) === want,
          `round ${round} folded`,
        );
        await new Promise((r) => setTimeout(r, 250));
      } while ((foldedBy[0] === 0 || foldedBy[1] === 0) && round < 120);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(foldedBy.every((n) => n > 0), `folded ${foldedBy.join(' + ')}`).toBe(true);
    expect(await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries')).toBe(before + round * 300);
    expect(await count(ctx.owner, 'SELECT count(DISTINCT decision_id) AS n FROM ledger_entries')).toBe(before + round * 300);
    for (const tenant of TENANTS) {
      const [row] = await ctx.owner.sql.query<{ n: string; hi: string; size: string }>(
        'SELECT count(*)::text AS n, max(e.seq)::text AS hi, (SELECT size::text FROM ledger_trees WHERE tenant_id = $1) AS size FROM ledger_entries e WHERE e.tenant_id = $1',
        [tenant],
      );
      expect(Number(row!.hi)).toBe(Number(row!.n) - 1);
      expect(Number(row!.size)).toBe(Number(row!.n));
      const leaves = await ctx.owner.sql.query<{ entry: Buffer }>('SELECT e.entry FROM ledger_entries e WHERE e.tenant_id = $1 ORDER BY e.seq', [tenant]);
      const [latest] = await ctx.owner.sql.query<{ size: string; root_hash: Buffer }>(
        'SELECT c.size::text, c.root_hash FROM ledger_checkpoints c WHERE c.tenant_id = $1 ORDER BY c.size DESC LIMIT 1',
        [tenant],
      );
      expect(Number(latest!.size)).toBe(leaves.length);
      expect(new Uint8Array(latest!.root_hash)).toEqual(merkleTreeHash(leaves.map((l) => new Uint8Array(l.entry))));
    }
  });

  it('quarantines undecodable, invalid and conflicting messages with their bytes and offsets, and keeps folding', async () => {
    const tenant = randomUUID();
    await ctx.trust([tenant]);
    const good = Array.from({ length: 20 }, (_, i) => decisionEvent(tenant, i));
    // Signed by the tenant's enforcer, under a decision id already folded with other bytes.
    const conflicting = encode(decisionEvent(tenant, 3, { decisionId: good[3]!.decisionId, tool: 'crm.export_everything' }));
    const poison = [
      { key: 'garbage', value: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), code: 'event.undecodable' },
      { key: 'empty', value: null, code: 'event.empty' },
      { key: 'no-tenant', value: encode(decisionEvent('not-a-uuid', 99)), code: 'event.invalid' },
      { key: `${tenant}/crm-agent`, value: conflicting, code: 'decision.conflict' },
    ];
    const before = await count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group]);
    // Everything on one key, so one partition, in this order: good, poison, good.
    const key = `${tenant}/crm-agent`;
    await produce(producer, ctx.topic, [
      ...good.slice(0, 10).map((e) => ({ key, value: encode(e) })),
      ...poison.map((p) => ({ key, value: p.value })),
      ...good.slice(10).map((e) => ({ key, value: encode(e) })),
    ]);
    const ledger = await startLedger(ctx.config(), quietLog, {}, { api: false });
    await eventually(
      async () => (await count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group])) === before + 24,
      'offsets past the poison',
    );
    await ledger.stop();

    expect(await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries WHERE tenant_id = $1', [tenant])).toBe(20);
    const quarantined = await ctx.owner.sql.query<{ reason_code: string; reason: string; value: Buffer | null; topic: string; offset: string }>(
      'SELECT q.reason_code, q.reason, q.value, q.topic, q."offset"::text FROM ledger_quarantine q ORDER BY q."offset"',
    );
    expect(quarantined.map((q) => q.reason_code)).toEqual(poison.map((p) => p.code));
    for (const [i, q] of quarantined.entries()) {
      expect(q.topic).toBe(ctx.topic);
      expect(q.value === null ? null : new Uint8Array(q.value)).toEqual(poison[i]!.value === null ? null : new Uint8Array(poison[i]!.value!));
      expect(q.reason.length).toBeGreaterThan(0);
    }
    expect(quarantined[2]!.reason).toMatch(/tenant_id/);
    expect(new Set(quarantined.map((q) => q.offset)).size).toBe(4);
  });

  it('a message Postgres refuses is halved out of its batch and quarantined alone (entry.unstorable); the rest folds exactly once', async () => {
    const tenant = randomUUID();
    const topic = `bisect-${randomUUID()}`;
    const keys = { keysOf: () => TenantReceiptKeys.of([{ keyId: TEST_ENFORCER_KEY.keyId, publicKey: publicKeyBase64(TEST_ENFORCER_KEY), instanceId: 'enforcer-1' }]) };
    const events = Array.from({ length: 9 }, (_, i) => decisionEvent(tenant, i));
    const refused = events[4]!.decisionId;
    // Whatever of that message reaches Postgres, Postgres refuses (22P05, as a NUL in the tool was
    // before @thoth/contracts checked tools): its decision id is sent with a \u0000 in the batch's JSON.
    const poison = (text: string, params?: unknown[]) =>
      params?.map((p, i) => (i === 0 && typeof p === 'string' && text.includes('INSERT INTO ledger_entries') ? p.replace(`"${refused}"`, `"${refused}\\u0000"`) : p));
    const wrap = (s: Pick<SqlSession, 'query'>): Pick<SqlSession, 'query'> => ({ query: (text, params) => s.query(text, poison(text, params)) });
    const sql: SqlSession = { query: wrap(ctx.owner.sql).query, transaction: (fn) => ctx.owner.sql.transaction((tx) => fn(wrap(tx))) };
    const folder = new DecisionFolder(sql, new TenantTrees(), `bisect-${ctx.group}`, keys);
    const batch = events.map((e, offset) => ({ offset, key: null, value: encode(e) }));

    expect(await folder.fold(topic, 0, batch)).toMatchObject({ folded: 8, quarantined: 1, duplicates: 0, nextOffset: 9 });
    expect(await folder.fold(topic, 0, batch)).toMatchObject({ folded: 0, quarantined: 0, stale: 9, nextOffset: 9 });
    const rows = await ctx.owner.sql.query<{ decision_id: string; seq: string }>('SELECT decision_id, seq::text FROM ledger_entries WHERE tenant_id = $1 ORDER BY seq', [tenant]);
    expect(rows.map((r) => r.decision_id)).toEqual(events.filter((e) => e.decisionId !== refused).map((e) => e.decisionId));
    expect(rows.map((r) => Number(r.seq))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const [q] = await ctx.owner.sql.query<{ reason_code: string; reason: string; offset: string; value: Buffer }>(
      'SELECT reason_code, reason, "offset"::text, value FROM ledger_quarantine WHERE topic = $1',
      [topic],
    );
    expect(q).toMatchObject({ reason_code: 'entry.unstorable', offset: '4', reason: expect.stringMatching(/SQLSTATE 22P05/) });
    expect(new Uint8Array(q!.value)).toEqual(new Uint8Array(batch[4]!.value));
  });

  // docs/telemetry.md: the fold continues the trace the signed event carries. A trace_parent that does
  // not parse (forged, or from an enforcer that wrote something else) changes nothing of the fold.
  it("continues the event's trace in a fold span naming the decision; a malformed trace_parent or header is dropped, the decision folded all the same", async () => {
    const tenant = randomUUID();
    const topic = `traced-${randomUUID()}`;
    const keys = { keysOf: () => TenantReceiptKeys.of([{ keyId: TEST_ENFORCER_KEY.keyId, publicKey: publicKeyBase64(TEST_ENFORCER_KEY), instanceId: 'enforcer-1' }]) };
    const exporter = new InMemorySpanExporter();
    const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');
    const folder = new DecisionFolder(ctx.owner.sql, new TenantTrees(), `traced-${ctx.group}`, keys, tracer);
    const sampled = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const producer = '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01';
    const traceParents = [sampled, sampled.replace(/01$/, '00'), sampled.toUpperCase(), sampled + 'f'.repeat(10_000), '\u0000'.repeat(55), 'not a trace context'];
    const events = traceParents.map((traceParent, i) => decisionEvent(tenant, i, { traceParent }));
    const headers = [producer, producer, producer, 'x'.repeat(55), undefined, producer.toUpperCase()];
    const batch = events.map((e, offset) => ({ offset, key: null, value: encode(e), traceParent: headers[offset] }));

    expect(await folder.fold(topic, 0, batch)).toMatchObject({ folded: 6, quarantined: 0, nextOffset: 6 });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    const [fold] = spans;
    expect(fold).toMatchObject({ name: 'ledger fold', kind: SpanKind.CONSUMER });
    expect(fold!.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(fold!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(fold!.attributes).toMatchObject({ 'thoth.decision.id': events[0]!.decisionId, 'thoth.tenant.id': tenant, 'thoth.ledger.result': 'appended' });
    expect(fold!.links.map((l) => l.context.spanId)).toEqual(['b7ad6b7169203331']);
    // Folded again (a redelivery): the same span, its result said.
    exporter.reset();
    expect(await new DecisionFolder(ctx.owner.sql, new TenantTrees(), `traced-${ctx.group}`, keys, tracer).fold(topic, 0, batch)).toMatchObject({ stale: 6 });
    expect(exporter.getFinishedSpans().map((s) => s.attributes['thoth.ledger.result'])).toEqual(['already_folded']);
  });
});
