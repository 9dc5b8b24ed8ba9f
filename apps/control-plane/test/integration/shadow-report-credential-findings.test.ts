import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Effect, RuleKind, Severity } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { decisionEvent, type DecisionEventOverrides } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { ingest } from './alerts.support.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from './support/control-plane.js';

// The shadow report's credential findings on the real Postgres: decisions go through the read
// model's ingestion (hooks included), credentials through the API; the report generated over a
// window lists exactly the findings of that window, in its JSON and on its page, and nothing of
// another tenant.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const FP = { clean: sha256('clean'), stray: sha256('stray'), shared: sha256('shared'), revoked: sha256('revoked'), billing: sha256('billing'), early: sha256('early') };
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 4, 4, 8);
const WINDOW = { from: new Date(T0).toISOString(), to: new Date(T0 + 24 * HOUR).toISOString() };
const clock = new FixedClock(new Date(T0));

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let a: { tenantId: string; key: string };
let b: { tenantId: string; key: string };
const agentIds: Record<string, string> = {};
let n = 0;

function event(tenantId: string, agentId: string, credentialFingerprint: string, at: number, over: Partial<DecisionEventOverrides> = {}) {
  return decisionEvent({
    tenantId,
    decisionId: `srcf-${++n}`,
    agentId,
    tool: 'crm.read_contacts',
    resource: 'crm/contacts/1',
    credentialFingerprint,
    source: { ip: '10.20.1.7', region: 'eu-west-1' },
    effect: Effect.ALLOW,
    shadow: false,
    matchedRules: [{ ruleId: 'default', reason: 'no rule decided the call', severity: Severity.LOW, kind: RuleKind.DEFAULT, effect: 'allow' }],
    decidedAt: timestampFromMs(at),
    requestedAt: timestampFromMs(at),
    ...over,
  });
}
const register = async (name: string, token: string, agentNames: string[] = []) => {
  const answer = await call(cp.url, 'POST', '/v1/credentials', { key: a.key, body: { name, kind: 'api_key', provider: 'github', token, agentIds: agentNames.map((x) => agentIds[x]) } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id as string;
};
interface Finding {
  kind: string;
  fingerprint: string;
  credential: { id: string; name: string; status: string } | null;
  since: string | null;
  agents: Array<{ agent: string; linked: boolean | null; calls: number }>;
  calls: number;
  firstSeen: string;
  lastSeen: string;
}
const report = async (key: string) => {
  const answer = await call(cp.url, 'POST', '/v1/shadow-reports', { key, body: { window: WINDOW } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as { id: string; report: { credentials: { findings: { counts: Record<string, number>; items: Finding[]; unlisted: number } } } };
};

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url, {}, clock);
  a = await signUp(cp.url, 'Findings A');
  b = await signUp(cp.url, 'Findings B');
  for (const name of ['crm-agent', 'report-agent']) agentIds[name] = (await call(cp.url, 'POST', '/v1/agents', { key: a.key, body: { name } })).body.agent.id;
  await register('Clean', 'clean', ['crm-agent']);
  await register('Shared', 'shared'); // linked to nobody: any agent may use it, but two did
  await register('Billing', 'billing', ['crm-agent']);
  const revoked = await register('Revoked', 'revoked', ['crm-agent']);
  expect((await call(cp.url, 'POST', `/v1/credentials/${revoked}/revoke`, { key: a.key, body: { reason: 'leaked' } })).status).toBe(200); // at T0
  await ingest(cp, [
    event(a.tenantId, 'crm-agent', FP.early, T0 - HOUR), // before the window: not in the report
    event(a.tenantId, 'crm-agent', FP.clean, T0 + HOUR),
    event(a.tenantId, 'crm-agent', FP.clean, T0 + 2 * HOUR),
    event(a.tenantId, 'crm-agent', FP.stray, T0 + HOUR),
    event(a.tenantId, 'crm-agent', FP.shared, T0 + HOUR),
    event(a.tenantId, 'report-agent', FP.shared, T0 + 3 * HOUR),
    event(a.tenantId, 'report-agent', FP.shared, T0 + 4 * HOUR, { effect: Effect.DENY }),
    event(a.tenantId, 'crm-agent', FP.revoked, T0 + 2 * HOUR),
    event(a.tenantId, 'report-agent', FP.billing, T0 + 5 * HOUR),
    event(b.tenantId, 'b-agent', FP.shared, T0 + HOUR), // B's own, unknown to B
  ]);
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('the shadow report lists the credential findings of its window', () => {
  it('exactly the unknown, shared, revoked-in-use and unlinked-agent credentials, with names, agents, times and calls', async () => {
    const { report: r } = await report(a.key);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(r.credentials.findings.items.map((f) => [f.kind, f.fingerprint, f.credential?.name ?? null, f.agents.map((x) => [x.agent, x.linked, x.calls]), f.firstSeen, f.lastSeen, f.calls])).toEqual([
      ['unknown', FP.stray, null, [['crm-agent', null, 1]], iso(T0 + HOUR), iso(T0 + HOUR), 1],
      [
        'shared',
        FP.shared,
        'Shared',
        [
          ['crm-agent', null, 1],
          ['report-agent', null, 2],
        ],
        iso(T0 + HOUR),
        iso(T0 + 4 * HOUR),
        3,
      ],
      ['revoked_in_use', FP.revoked, 'Revoked', [['crm-agent', true, 1]], iso(T0 + 2 * HOUR), iso(T0 + 2 * HOUR), 1],
      ['unlinked_agent', FP.billing, 'Billing', [['report-agent', false, 1]], iso(T0 + 5 * HOUR), iso(T0 + 5 * HOUR), 1],
    ]);
    expect(r.credentials.findings.items.find((f) => f.kind === 'revoked_in_use')).toMatchObject({ since: iso(T0), credential: { status: 'revoked' } });
    expect(r.credentials.findings.counts).toEqual({ unknown: 1, shared: 1, revoked_in_use: 1, expired_in_use: 0, rotated_out_in_use: 0, unlinked_agent: 1 });
    expect(r.credentials.findings.unlisted).toBe(0);
  });

  it('shows them on the page opened by a view link, fingerprints shortened', async () => {
    const { id } = await report(a.key);
    const link = await call(cp.url, 'POST', `/v1/shadow-reports/${id}/view-links`, { key: a.key });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    const page = await fetch(`${cp.url}${link.body.path}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const rows = html.match(/<tr data-finding="[a-z_]+" data-fingerprint="[0-9a-f]+">/g) ?? [];
    expect(rows).toEqual([
      `<tr data-finding="unknown" data-fingerprint="${FP.stray}">`,
      `<tr data-finding="shared" data-fingerprint="${FP.shared}">`,
      `<tr data-finding="revoked_in_use" data-fingerprint="${FP.revoked}">`,
      `<tr data-finding="unlinked_agent" data-fingerprint="${FP.billing}">`,
    ]);
    expect(html).toContain(`<code title="${FP.billing}">${FP.billing.slice(0, 16)}…</code> Billing`);
  });

  it("another tenant's report holds only its own findings", async () => {
    const { report: r } = await report(b.key);
    expect(r.credentials.findings.items.map((f) => [f.kind, f.fingerprint, f.credential, f.agents.map((x) => x.agent)])).toEqual([['unknown', FP.shared, null, ['b-agent']]]);
  });
});
