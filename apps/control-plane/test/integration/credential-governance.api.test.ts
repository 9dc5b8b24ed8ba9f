import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { CommandBus } from '@nestjs/cqrs';
import { Effect, RuleKind, Severity } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey, type DecisionEventOverrides } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { BaselineScheduler } from '../../src/modules/credential-governance/index.js';
import { DecisionIngestion } from '../../src/modules/decisions/index.js';
import { ClaimTrialReportCommand } from '../../src/modules/trial/commands/claim-trial-report/claim-trial-report.command.js';
import { REPORT_LEASE_MS } from '../../src/modules/trial/index.js';
import { queryAsTenant } from './support/contexts.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

// The credential inventory and the baselines API on the real Postgres: decisions go through the
// read model's ingestion (the code the Kafka and in-process sources call), the inventory hook runs
// in its transaction; findings, exactly-once counting, learning, roles and tenant isolation.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const FP = { crm: sha256('crm-token'), stray: sha256('stray-token'), revoked: sha256('revoked-token'), expired: sha256('expired-token'), old: sha256('old-token'), rotated: sha256('new-token') };
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 4, 4, 8); // Monday 08:00 UTC
const clock = new FixedClock(new Date(T0));

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let a: { tenantId: string; key: string };
let b: { tenantId: string; key: string };
let readOnly: string;
const agentIds: Record<string, string> = {};
let n = 0;

/** A decision as an enforcer publishes it: allowed, by crm-agent with the crm credential, unless overridden. */
function event(over: Partial<DecisionEventOverrides> & { at?: number } = {}) {
  const { at = T0, ...rest } = over;
  return decisionEvent({
    tenantId: a.tenantId,
    decisionId: `cg-${++n}`,
    agentId: 'crm-agent',
    tool: 'crm.read_contacts',
    resource: 'crm/contacts/1',
    credentialFingerprint: FP.crm,
    source: { ip: '10.20.1.7', region: 'eu-west-1' },
    effect: Effect.ALLOW,
    shadow: false,
    matchedRules: [{ ruleId: 'default', reason: 'no rule decided the call', severity: Severity.LOW, kind: RuleKind.DEFAULT, effect: 'allow' }],
    decidedAt: timestampFromMs(at),
    requestedAt: timestampFromMs(at),
    ...rest,
  });
}
const ingest = (...events: ReturnType<typeof event>[]) => cp.app.get(DecisionIngestion).ingestor.ingest(events.map((e) => ({ decision: recordOfEvent(e), from: 'test' })));
const inventory = async (key = a.key, query = '') => {
  const answer = await call(cp.url, 'GET', `/v1/credentials/inventory${query}`, { key });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { summary: Record<string, number>; items: Array<{ fingerprint: string; calls: number; findings: string[]; credential: { name: string } | null; agents: Array<{ agent: string; linked: boolean | null; calls: number; lastDecisionId: string }> }>; next: string | null };
};
const item = async (fingerprint: string) => (await inventory()).items.find((i) => i.fingerprint === fingerprint);
const register = async (name: string, token: string, extra: Record<string, unknown> = {}) => {
  const answer = await call(cp.url, 'POST', '/v1/credentials', { key: a.key, body: { name, kind: 'oauth_token', provider: 'salesforce', token, ...extra } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id as string;
};

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url, {}, clock);
  a = await signUp(cp.url, 'Governed A');
  b = await signUp(cp.url, 'Governed B');
  for (const { tenantId } of [a, b]) await registerReceiptKey(new TenantDatabase(cp.database), tenantId);
  readOnly = (await call(cp.url, 'POST', '/v1/api-keys', { key: a.key, body: { name: 'ro', role: 'read_only' } })).body.key;
  for (const name of ['crm-agent', 'report-agent']) agentIds[name] = (await call(cp.url, 'POST', '/v1/agents', { key: a.key, body: { name } })).body.agent.id;
  await register('CRM', 'crm-token', { agentIds: [agentIds['crm-agent']] });
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('GET /v1/credentials/inventory', () => {
  it('is current after every decision, counts each decision once, and reports an unlinked agent after its first call', async () => {
    const first = event();
    await ingest(first);
    expect(await item(FP.crm)).toMatchObject({ calls: 1, findings: [], credential: { name: 'CRM' }, agents: [{ agent: 'crm-agent', linked: true, calls: 1, lastDecisionId: first.decisionId }] });

    await ingest(first); // redelivered: not counted again
    expect((await item(FP.crm))?.calls).toBe(1);

    const intruder = event({ agentId: 'report-agent', at: T0 + 60_000, effect: Effect.DENY });
    await ingest(intruder);
    const crm = await item(FP.crm);
    expect(crm).toMatchObject({ calls: 2, findings: ['shared', 'unlinked_agent'] });
    expect(crm?.agents.map((x) => [x.agent, x.linked, x.lastDecisionId])).toEqual([
      ['crm-agent', true, first.decisionId],
      ['report-agent', false, intruder.decisionId],
    ]);
  });

  it('lists unknown credentials and credentials still used after revocation, expiry or rotation', async () => {
    const revoked = await register('Revoked', 'revoked-token');
    expect((await call(cp.url, 'POST', `/v1/credentials/${revoked}/revoke`, { key: a.key, body: { reason: 'leaked' } })).status).toBe(200);
    await register('Expiring', 'expired-token', { expiresAt: new Date(T0 + DAY).toISOString() });
    const rotating = await register('Rotating', 'old-token');
    expect((await call(cp.url, 'POST', `/v1/credentials/${rotating}/rotate`, { key: a.key, body: { token: 'new-token' } })).status).toBe(200);
    const later = T0 + 3_600_000; // after the revocation and rotation, recorded at the clock's T0
    await ingest(
      event({ credentialFingerprint: FP.stray }),
      event({ credentialFingerprint: FP.revoked, at: later }),
      event({ credentialFingerprint: FP.expired, at: T0 + 2 * DAY }),
      event({ credentialFingerprint: FP.old, at: later }),
      event({ credentialFingerprint: FP.rotated, at: later }),
    );
    const findings = Object.fromEntries((await inventory()).items.map((i) => [i.fingerprint, i.findings]));
    expect(findings[FP.stray]).toEqual(['unknown']);
    expect(findings[FP.revoked]).toEqual(['revoked_in_use']);
    expect(findings[FP.expired]).toEqual(['expired_in_use']);
    expect(findings[FP.old]).toEqual(['rotated_out_in_use']);
    expect(findings[FP.rotated]).toEqual([]);
    expect((await inventory()).summary).toEqual({ credentials: 6, unknown: 1, shared: 1, revoked_in_use: 1, expired_in_use: 1, rotated_out_in_use: 1, unlinked_agent: 1 });
  });

  it('filters by finding, pages by fingerprint, and refuses a bad query precisely', async () => {
    expect((await inventory(a.key, '?finding=unknown')).items.map((i) => i.fingerprint)).toEqual([FP.stray]);
    const all = (await inventory()).items.map((i) => i.fingerprint);
    const page1 = await inventory(a.key, '?limit=4');
    const page2 = await inventory(a.key, `?limit=4&after=${page1.next}`);
    expect([...page1.items, ...page2.items].map((i) => i.fingerprint)).toEqual(all);
    expect(page2.next).toBeNull();
    const bad = await call(cp.url, 'GET', '/v1/credentials/inventory?finding=stolen&limit=0', { key: a.key });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('request.invalid');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/finding', '/limit']);
    expect((await inventory(readOnly)).items.length).toBe(all.length);
    expect((await call(cp.url, 'GET', '/v1/credentials/inventory')).status).toBe(401);
  });

  it('another tenant sees none of it, through the API or in Postgres', async () => {
    expect(await inventory(b.key)).toEqual({ summary: { credentials: 0, unknown: 0, shared: 0, revoked_in_use: 0, expired_in_use: 0, rotated_out_in_use: 0, unlinked_agent: 0 }, items: [], next: null });
    // B's decision with A's credential fingerprint is B's own inventory, and only B's.
    await ingest(event({ tenantId: b.tenantId, agentId: 'b-agent' }));
    expect((await inventory(b.key)).items.map((i) => [i.fingerprint, i.findings, i.credential])).toEqual([[FP.crm, ['unknown'], null]]);
    expect((await item(FP.crm))?.agents.map((x) => x.agent)).toEqual(['crm-agent', 'report-agent']);
    const rows = (tenantId: string) => queryAsTenant<{ n: string }>(cp, tenantId, 'SELECT count(*)::text AS n FROM credential_usage');
    expect((await rows(b.tenantId))[0]?.n).toBe('1');
    expect(Number((await rows(a.tenantId))[0]?.n)).toBeGreaterThan(1);
  });
});

describe('baselines', () => {
  it('learns from the recorded decisions on request, records them as events, and shows them', async () => {
    clock.current = new Date(T0 + 3 * DAY);
    const normal = Array.from({ length: 120 }, (_, i) => event({ at: T0 + DAY + i * 30_000, resource: `crm/companies/${i}` }));
    await ingest(...normal);
    const learned = await call(cp.url, 'POST', '/v1/baselines/learn', { key: a.key });
    expect(learned.status, JSON.stringify(learned.body)).toBe(200);
    expect(learned.body).toMatchObject({ window: { from: new Date(clock.now().getTime() - 14 * DAY).toISOString(), until: clock.now().toISOString() }, truncated: false });
    expect(learned.body.recorded).toBe(learned.body.subjects);

    const list = await call(cp.url, 'GET', `/v1/baselines?subject=credential&id=${FP.crm}`, { key: readOnly });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        subject: 'credential',
        id: FP.crm,
        resourceClasses: ['crm/companies', 'crm/contacts'],
        regions: ['eu-west-1'],
        networks: ['10.20.1.0/24'],
        tools: ['crm.read_contacts'],
        peakPerMinute: 2,
        peakPer10Minutes: 20,
        version: 1,
      }),
    ]);
    // Learned only from normal use: report-agent's denied call is not in crm's baseline, nor is it an agent baseline.
    const agents = (await call(cp.url, 'GET', '/v1/baselines?subject=agent', { key: a.key })).body.items.map((x: { id: string }) => x.id);
    expect(agents).toEqual(['crm-agent']);

    const again = await call(cp.url, 'POST', '/v1/baselines/learn', { key: a.key });
    expect(again.body.recorded).toBe(0);
    const audit = (await call(cp.url, 'GET', '/v1/audit?limit=500', { key: a.key })).body.items.filter((e: { type: string }) => e.type === 'baseline.learned');
    expect(audit.length).toBe(learned.body.recorded);
    expect(audit[0].actor).toMatch(/^key:/);
  });

  it('only admins and policy authors relearn; another tenant sees no baselines; bad filters are refused', async () => {
    const denied = await call(cp.url, 'POST', '/v1/baselines/learn', { key: readOnly });
    expect([denied.status, denied.body.code]).toEqual([403, 'auth.forbidden_role']);
    expect((await call(cp.url, 'GET', '/v1/baselines', { key: b.key })).body.items).toEqual([]);
    const rows = await queryAsTenant<{ n: string }>(cp, b.tenantId, 'SELECT count(*)::text AS n FROM credential_baselines');
    expect(rows[0]?.n).toBe('0');
    const bad = await call(cp.url, 'GET', '/v1/baselines?subject=tenant', { key: a.key });
    expect([bad.status, bad.body.code]).toEqual([400, 'request.invalid']);
  });

  it('a projection rebuild reproduces the baselines from their events', async () => {
    const before = (await call(cp.url, 'GET', '/v1/baselines', { key: a.key })).body.items;
    await cp.rebuildProjections([a.tenantId]);
    expect((await call(cp.url, 'GET', '/v1/baselines', { key: a.key })).body.items).toEqual(before);
  });
});

describe('keeping baselines current', () => {
  const regions = async () => (await call(cp.url, 'GET', `/v1/baselines?subject=credential&id=${FP.crm}`, { key: a.key })).body.items[0]?.regions as string[];

  it('the periodic pass relearns the tenants with new decisions, and only those', async () => {
    const scheduler = cp.app.get(BaselineScheduler);
    // The pass looks at every tenant of the database; other test files share it.
    const ours = (run: Map<string, unknown>) => [...run.keys()].filter((t) => t === a.tenantId || t === b.tenantId).sort();
    const first = await scheduler.runDue();
    expect(ours(first)).toEqual([a.tenantId, b.tenantId].sort());
    expect(first.get(a.tenantId)?.recorded).toBe(0); // learned above: nothing changed
    expect(first.get(b.tenantId)?.recorded).toBe(2); // b-agent and the fingerprint it used

    expect(ours(await scheduler.runDue())).toEqual([]);

    await ingest(event({ at: clock.now().getTime() - 60_000, source: { ip: '10.20.9.9', region: 'us-west-2' } }));
    const third = await scheduler.runDue();
    expect(ours(third)).toEqual([a.tenantId]);
    expect(third.get(a.tenantId)?.recorded).toBe(2);
    expect(await regions()).toEqual(['eu-west-1', 'us-west-2']);
  });

  it('learns at once when the shadow trial ends', async () => {
    await ingest(event({ at: clock.now().getTime(), source: { ip: '10.20.9.10', region: 'ca-central-1' } }));
    clock.current = new Date(T0 + 8 * DAY); // past day seven
    // What the trial scheduler does for a due tenant (its pass would also claim other test files' tenants in this database).
    expect(await cp.app.get(CommandBus).execute(new ClaimTrialReportCommand(a.tenantId, REPORT_LEASE_MS))).toMatchObject({ claimed: true, attempt: 1 });
    expect(await waitFor('the baseline relearned at the end of the trial', async () => ((await regions()).includes('ca-central-1') ? await regions() : undefined))).toEqual([
      'ca-central-1',
      'eu-west-1',
      'us-west-2',
    ]);
    const learned = (await call(cp.url, 'GET', '/v1/audit?limit=500', { key: a.key })).body.items.filter((e: { type: string }) => e.type === 'baseline.learned');
    expect(learned.at(-1).actor).toBe('system:baseline-learning');
  });
});
