// Issue 15, acceptance 1: decisions are believed only when signed by an enforcer registered to the
// event's own tenant. A real control plane and a real ledger consume the real decision topic; a
// real enforcer of tenant A registers its receipt key through its config stream (the control plane
// records it and publishes the signed directory the ledger reads). Beside A's real decisions, the
// topic gets an event signed with a key nobody announced, tenant B's event signed by A's enforcer,
// and three replays of a real block with one field changed (resource, a rule's severity, tool):
// none reaches a read-model row, an alert or a ledger entry; each is quarantined and counted with
// its reason by both; the real decisions flow through both.
//
// Seen failing without each defence: with the ledger's verdict forced to "believed" (DecisionFolder),
// or the control plane's verifier answering ok for every event (DecisionVerifier), the five never
// reached that side's quarantine with their reasons (timed out waiting for both quarantines).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDecisionEvent, Effect, Severity, TenantMode, type DecisionEvent } from '../../libs/contracts/src/index.js';
import { generateSigningKey, publicKeyBase64, signDecisionEvents, signerFromSeed, type Signer } from '../../libs/snapshot/src/index.js';
import { createTestTopics, withDatabase } from '../../libs/testing/src/index.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { DecisionIngestion } from '../../apps/control-plane/src/modules/decisions/index.js';
import { alertsConfig } from '../../apps/control-plane/test/integration/alerts.support.js';
import { call, createAppLoginRole, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';
import type { RunningEnforcer } from '../../apps/enforcer/src/enforcer.js';
import type { QuarantineView } from '../../apps/ledger/src/api/quarantine.repository.js';
import { startLedger, type RunningLedger } from '../../apps/ledger/src/ledger.js';
import { issueTestKey } from '../../apps/ledger/test/support/api-keys.js';
import { encode, type Producer } from '../../apps/ledger/test/support/decisions.js';
import { ledgerTestContext, pg, quietLog, testKafka, type LedgerTestContext } from '../../apps/ledger/test/support/ledger-harness.js';
import { agentClient, POLICY_V1, waitFor, type AgentClient } from '../integration/enforcers/harness.js';
import { crmTenant, edgeControlPlaneConfig, rollouts, startEdgeEnforcer, USUAL_CRM_CALL } from '../integration/credential-governance/governed-edge.js';

const DROP = { tool: 'db.drop_table', resource: 'crm/contacts', credentialFingerprint: '' } as const;

describe('forged, cross-tenant and replayed decisions on the decision topic', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-forged-'));
  const cpSigningKey = generateSigningKey();
  const enforcerSigner = signerFromSeed(generateSigningKey());
  const forger = signerFromSeed(generateSigningKey());
  let ctx: LedgerTestContext;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let ledger: RunningLedger;
  let cp: ControlPlane;
  let enforcer: RunningEnforcer;
  let producer: Producer;
  let admin: pg.Client;
  let topic: string;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let report: AgentClient;
  let crm: AgentClient;

  beforeAll(async () => {
    ctx = await ledgerTestContext(`forged_${randomBytes(2).toString('hex')}`);
    [topic] = (await createTestTopics([{ name: `forged-${randomBytes(3).toString('hex')}`, numPartitions: 2 }])) as [string];
    // The ledger trusts the directory only under the control plane's snapshot key.
    ledger = await startLedger(ctx.config({ THOTH_LEDGER_TOPIC: topic, THOTH_CONFIG_PUBLIC_KEYS: publicKeyBase64(signerFromSeed(cpSigningKey)) }), quietLog);
    role = await createAppLoginRole();
    cp = await startControlPlane(withDatabase(role.url, new URL(ctx.ownerUrl).pathname.slice(1)), {
      ...edgeControlPlaneConfig({ dataDir, signingKey: cpSigningKey, topic, group: 'forged', receiptKeysTopic: ctx.receiptKeysTopic }),
      alerts: alertsConfig({ ledgerPublicUrl: ledger.url!, worker: false }),
    });
    admin = new pg.Client({ connectionString: ctx.adminUrl });
    await admin.connect();
    const { agents, ...tenantA } = await crmTenant(cp, 'Tenant A', POLICY_V1);
    a = tenantA;
    const { agents: _, ...tenantB } = await crmTenant(cp, 'Tenant B', POLICY_V1);
    b = tenantB;
    const destination = await call(cp.url, 'POST', '/v1/alert-destinations', { key: a.key, body: { kind: 'webhook', name: 'soc', url: 'http://127.0.0.1:9/thoth' } });
    expect(destination.status).toBe(201);
    // Tenant A enforces: a dropped table is a block, and a block is alerted.
    expect((await call(cp.url, 'PUT', '/v1/tenant/mode', { key: a.key, body: { mode: 'enforce' } })).status).toBe(200);
    enforcer = await startEdgeEnforcer(cp, a.key, { topic, signer: enforcerSigner });
    await rollouts(cp, a.tenantId, enforcer)((config) => config.mode === TenantMode.ENFORCE);
    // The key the enforcer announced on its config stream reaches the ledger through the signed directory.
    await waitFor('the ledger to learn the enforcer key', () => ledger.directory.keysOf(a.tenantId).has(enforcerSigner.keyId), 30_000);
    report = agentClient(enforcer.address, { tenantId: a.tenantId, agentId: 'report-agent', token: agents['report-agent']!.token });
    crm = agentClient(enforcer.address, { tenantId: a.tenantId, agentId: 'crm-agent', token: agents['crm-agent']!.token });
    producer = testKafka('forged-decisions-producer').producer();
    await producer.connect();
  });

  afterAll(async () => {
    report?.close();
    crm?.close();
    await producer?.disconnect();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await cp?.close();
    await ledger?.stop();
    await admin?.end();
    await role?.drop();
    await ctx?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rows = async (sql: string, ids: readonly string[]) => (await admin.query<{ decision_id: string; reason_code?: string }>(sql, [ids])).rows;
  const inLedger = (ids: readonly string[]) => rows('SELECT decision_id FROM ledger_entries WHERE decision_id = ANY($1)', ids);
  const inReadModel = (ids: readonly string[]) => rows('SELECT decision_id FROM decision_records WHERE decision_id = ANY($1)', ids);

  it('quarantines each hostile event with its reason in both, with no row, alert or ledger entry, while real decisions flow', async () => {
    const blocked = await report.decide({ ...USUAL_CRM_CALL, ...DROP });
    expect(blocked.effect).toBe(Effect.DENY);
    await waitFor('the real block in the ledger', async () => (await inLedger([blocked.decisionId])).length === 1, 60_000);
    const [stored] = (await admin.query<{ entry: Buffer }>('SELECT entry FROM ledger_entries WHERE decision_id = $1', [blocked.decisionId])).rows;
    const decode = (bytes: Uint8Array): DecisionEvent => {
      const decoded = decodeDecisionEvent(bytes);
      if (!decoded.ok) throw new Error(decoded.reason);
      return decoded.event;
    };
    const real = decode(new Uint8Array(stored!.entry));
    expect(real.matchedRules[0]).toMatchObject({ ruleId: 'no-drops', severity: Severity.CRITICAL });

    const resigned = (change: (e: DecisionEvent) => void, signer: Signer) => {
      const e = decode(encode(real));
      e.decisionId = randomUUID();
      change(e);
      if (e.receipt) e.receipt = { ...e.receipt, decisionId: e.decisionId, tenantId: e.tenantId };
      signDecisionEvents([e], signer);
      return e;
    };
    const replay = (change: (e: DecisionEvent) => void) => {
      const e = decode(encode(real));
      change(e);
      return e;
    };
    const hostile = [
      { what: 'forged: a valid event signed with a key nobody announced', code: 'receipt.unknown_key', event: resigned(() => {}, forger) },
      { what: "tenant B's event signed by tenant A's enforcer", code: 'receipt.unknown_key', event: resigned((e) => void (e.tenantId = b.tenantId), enforcerSigner) },
      { what: 'replay, resource changed', code: 'receipt.event_mismatch', event: replay((e) => void (e.resource = 'crm/everything')) },
      { what: "replay, a rule's severity changed", code: 'receipt.event_mismatch', event: replay((e) => void (e.matchedRules[0]!.severity = Severity.LOW)) },
      { what: 'replay, tool changed', code: 'receipt.event_mismatch', event: replay((e) => void (e.tool = 'db.read_table')) },
    ];
    const ids = [...new Set(hostile.map((h) => h.event.decisionId))];
    const before = cp.app.get(DecisionIngestion).totals();
    const ledgerBefore = ledger.untrusted();
    await producer.send({
      topic,
      acks: -1,
      messages: hostile.map(({ event }) => ({ key: `${event.tenantId}/${event.agentId}`, value: encode(event) })),
    });
    // Real decisions beside them, after them on the topic.
    const after = [await crm.decide({ ...USUAL_CRM_CALL }), await report.decide({ ...USUAL_CRM_CALL, ...DROP })];
    const realIds = [blocked.decisionId, ...after.map((d) => d.decisionId)];
    await waitFor('both to fold the real decisions', async () => (await inLedger(realIds)).length === 3 && (await inReadModel(realIds)).length === 3, 60_000);
    const held = (sql: string) => admin.query<{ decision_id: string; reason_code: string; tenant_id: string }>(sql, [hostile.map((h) => h.event.decisionId)]);
    const cpHeld = () => held('SELECT decision_id, reason_code, tenant_id::text FROM decision_quarantine WHERE decision_id = ANY($1) ORDER BY reason_code, tenant_id');
    const ledgerHeld = () => held('SELECT decision_id, reason_code, tenant_id::text FROM ledger_quarantine WHERE decision_id = ANY($1) ORDER BY reason_code, tenant_id');
    await waitFor('both quarantines to hold the five', async () => (await cpHeld()).rowCount === 5 && (await ledgerHeld()).rowCount === 5, 60_000);

    // Each quarantined with its reason, by both, under the tenant the event names.
    const expected = hostile.map((h) => ({ decision_id: h.event.decisionId, reason_code: h.code, tenant_id: h.event.tenantId }));
    const sort = (list: Array<{ decision_id: string; reason_code: string; tenant_id: string }>) => [...list].sort((x, y) => `${x.reason_code}${x.tenant_id}${x.decision_id}`.localeCompare(`${y.reason_code}${y.tenant_id}${y.decision_id}`));
    expect(sort((await cpHeld()).rows)).toEqual(sort(expected));
    expect(sort((await ledgerHeld()).rows)).toEqual(sort(expected));
    // Counted by reason: each side's totals since start, and the ledger's API for the tenant's auditor.
    // (each side counts a batch once it is committed, a moment after its rows are visible)
    const byControlPlane = (code: 'receipt.unknown_key' | 'receipt.event_mismatch') => (cp.app.get(DecisionIngestion).totals().quarantined[code] ?? 0) - (before.quarantined[code] ?? 0);
    const byLedger = (code: string) => (ledger.untrusted()[code] ?? 0) - (ledgerBefore[code] ?? 0);
    await waitFor('both to count them by reason', () => byControlPlane('receipt.unknown_key') === 2 && byControlPlane('receipt.event_mismatch') === 3 && byLedger('receipt.unknown_key') === 2 && byLedger('receipt.event_mismatch') === 3);
    const auditor = await issueTestKey(ctx.owner, a.tenantId, 'auditor');
    const view = (await (await fetch(`${ledger.url}/v1/quarantine`, { headers: { authorization: `Bearer ${auditor}` } })).json()) as QuarantineView;
    expect(view.counts).toMatchObject({ 'receipt.unknown_key': 1, 'receipt.event_mismatch': 3 });

    // Nothing of them anywhere else: no read-model row, no alert, no ledger entry (the replays' id is the real block's, once).
    const forgedIds = ids.filter((id) => id !== blocked.decisionId);
    expect(await inReadModel(forgedIds)).toEqual([]);
    expect(await inLedger(forgedIds)).toEqual([]);
    expect((await admin.query('SELECT 1 FROM ledger_entries WHERE decision_id = $1', [blocked.decisionId])).rowCount).toBe(1);
    const [record] = (await admin.query<{ resource: string; tool: string }>('SELECT resource, tool FROM decision_records WHERE decision_id = $1', [blocked.decisionId])).rows;
    expect(record).toEqual({ resource: DROP.resource, tool: DROP.tool });
    const alerts = await admin.query<{ decision_id: string }>('SELECT decision_id FROM alerts WHERE tenant_id = ANY($1::uuid[]) ORDER BY decision_id', [[a.tenantId, b.tenantId]]);
    expect(alerts.rows.map((r: { decision_id: string }) => r.decision_id).sort()).toEqual([blocked.decisionId, after[1]!.decisionId].sort());
  });
});
