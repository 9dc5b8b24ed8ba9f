import { clone } from '@bufbuild/protobuf';
import { DecisionEventSchema, Severity, type DecisionEvent } from '@thoth/contracts';
import { signerFromSeed } from '@thoth/snapshot';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineView } from '../../src/api/quarantine.repository.js';
import { startLedger, type RunningLedger } from '../../src/ledger.js';
import { issueTestKey } from '../support/api-keys.js';
import { decisionEvent, message, produce, receiptKeyRecords, type Producer } from '../support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, quietLog, type LedgerTestContext } from '../support/ledger-harness.js';

const A = randomUUID();
const B = randomUUID();
/** Never announced by anyone. */
const FORGER = signerFromSeed(Buffer.alloc(32, 66).toString('base64'));
/** A control plane key the ledger does not trust: its directory records introduce nothing. */
const INTRUDER = signerFromSeed(Buffer.alloc(32, 67).toString('base64'));
/** Announced for tenant A only after its enforcer already decided with it. */
const LATE = signerFromSeed(Buffer.alloc(32, 68).toString('base64'));

/** A copy of `event` (its receipt untouched) with one field changed. */
function replayed(event: DecisionEvent, change: (e: DecisionEvent) => void): DecisionEvent {
  const copy = clone(DecisionEventSchema, event);
  change(copy);
  return copy;
}

// Seen failing without the defence: with the folder's verdict forced to "believed", the forged,
// cross-tenant and wrong-process events were appended to the logs, the replays met only the
// decision-id check (decision.conflict), and the quarantine never held what the test waits for.
describe('the ledger believes only decisions signed by an enforcer of their own tenant', () => {
  let ctx: LedgerTestContext;
  let producer: Producer;
  let ledger: RunningLedger | undefined;
  const real = Array.from({ length: 10 }, (_, i) => decisionEvent(A, i));
  const blocked = real[0]!;
  const late = [decisionEvent(A, 100, {}, LATE), decisionEvent(A, 101, {}, LATE)];
  const hostile = [
    { code: 'receipt.unknown_key', event: decisionEvent(A, 200, {}, FORGER) },
    // Tenant B's event signed by tenant A's enforcer.
    { code: 'receipt.unknown_key', event: decisionEvent(B, 201) },
    { code: 'receipt.event_mismatch', event: replayed(blocked, (e) => void (e.resource = 'crm://everything')) },
    { code: 'receipt.event_mismatch', event: replayed(blocked, (e) => void (e.matchedRules[0]!.severity = Severity.LOW)) },
    { code: 'receipt.event_mismatch', event: replayed(blocked, (e) => void (e.tool = 'crm.read_records')) },
    // Signed with A's key, but naming a process that never announced it.
    { code: 'receipt.wrong_enforcer', event: decisionEvent(A, 202, { enforcerId: 'enforcer-9' }) },
  ];
  const quarantined = () => ctx.owner.sql.query<{ reason_code: string; decision_id: string; tenant_id: string; released: boolean }>(
    'SELECT q.reason_code, q.decision_id, q.tenant_id::text, r.quarantine_id IS NOT NULL AS released FROM ledger_quarantine q LEFT JOIN ledger_quarantine_releases r ON r.quarantine_id = q.id ORDER BY q.id',
  );
  const entries = (tenant: string) => ctx.owner.sql.query<{ decision_id: string; seq: string }>('SELECT e.decision_id, e.seq::text FROM ledger_entries e WHERE e.tenant_id = $1 ORDER BY e.seq', [tenant]);

  beforeAll(async () => {
    ctx = await ledgerTestContext('verify');
    await ctx.createTopic(1);
    await ctx.trust([A]);
    // Someone able to write the directory topic adds the forger's key, signed with a key of its own.
    await ctx.trust([A, B], receiptKeyRecords([A, B], FORGER, 'enforcer-1', INTRUDER));
    producer = await orderedProducer('ledger-verify-producer');
  });

  afterAll(async () => {
    await ledger?.stop();
    await producer?.disconnect();
    await ctx?.cleanup();
  });

  it('quarantines forged, cross-tenant, replayed and wrong-process events with their reason, and folds the real ones beside them', async () => {
    // One partition, in this order: real, hostile, late (its key not published yet), real, and a redelivery of a late one.
    await produce(producer, ctx.topic, [...real.slice(0, 5), ...hostile.map((h) => h.event), ...late, ...real.slice(5), late[0]!].map(message));
    ledger = await startLedger(ctx.config(), quietLog);
    await eventually(async () => (await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_quarantine')) === hostile.length + 3, 'quarantine');
    await eventually(async () => (await entries(A)).length === real.length, 'real decisions');

    expect((await entries(A)).map((e) => e.decision_id)).toEqual(real.map((e) => e.decisionId));
    expect(await entries(B)).toEqual([]);
    const held = await quarantined();
    expect(held.slice(0, hostile.length).map((q) => [q.reason_code, q.decision_id, q.tenant_id])).toEqual(hostile.map((h) => [h.code, h.event.decisionId, h.event.tenantId]));
    expect(held.slice(hostile.length).map((q) => q.reason_code)).toEqual(['receipt.unknown_key', 'receipt.unknown_key', 'receipt.unknown_key']);
    expect(ledger.directory.refused()).toEqual({ 'directory.unknown_signer': 2 });

    // The tenant's auditor sees its own, counted by reason; B's is not A's to see.
    const auditor = await issueTestKey(ctx.owner, A, 'auditor');
    const view = (await (await fetch(`${ledger.url}/v1/quarantine`, { headers: { authorization: `Bearer ${auditor}` } })).json()) as QuarantineView;
    expect(view.counts).toEqual({ 'receipt.event_mismatch': 3, 'receipt.unknown_key': 4, 'receipt.wrong_enforcer': 1 });
    expect(view.held).toBe(8);
    expect(view.items.some((i) => i.decisionId === hostile[1]!.event.decisionId)).toBe(false);
    const tooMany = await fetch(`${ledger.url}/v1/quarantine?limit=1001`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: 'http.bad_query' });
    const one = (await (await fetch(`${ledger.url}/v1/quarantine?limit=1`, { headers: { authorization: `Bearer ${auditor}` } })).json()) as QuarantineView;
    expect(one.items).toHaveLength(1);
  });

  it('releases decisions held for an unknown key once the control plane publishes it: appended once, at the end, exactly once across restarts', async () => {
    await ctx.trust([A], receiptKeyRecords([A], LATE));
    await eventually(async () => (await entries(A)).length === real.length + late.length, 'late decisions released');
    const log = await entries(A);
    expect(log.slice(real.length).map((e) => e.decision_id)).toEqual(late.map((e) => e.decisionId));
    const releases = await ctx.owner.sql.query<{ outcome: string }>('SELECT outcome FROM ledger_quarantine_releases ORDER BY quarantine_id');
    expect(releases.map((r) => r.outcome)).toEqual(['folded', 'folded', 'duplicate']);
    // The forged key, the cross-tenant and the replayed events stay held.
    expect((await quarantined()).filter((q) => !q.released)).toHaveLength(hostile.length);

    // A restart reads the directory again (the late key included) and folds nothing twice.
    await ledger!.stop();
    ledger = await startLedger(ctx.config(), quietLog, {}, { api: false });
    await produce(producer, ctx.topic, [message(late[1]!), message(real[3]!)]);
    await eventually(async () => (await count(ctx.owner, 'SELECT sum(next_offset) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group])) === real.length + hostile.length + late.length + 3, 'redeliveries folded');
    expect((await entries(A)).map((e) => e.decision_id)).toEqual(log.map((e) => e.decision_id));
    expect(await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_quarantine_releases')).toBe(3);
  });
});
