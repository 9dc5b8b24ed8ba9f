import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { ControlPlane } from '../../src/control-plane.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { DecisionIngestor } from '../../src/modules/decisions/ingest/decision-ingestor.js';
import { decisionEvent, registerReceiptKey, testVerifier } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { alertsConfig, decisions as alertDecisions, ingest } from './alerts.support.js';
import { call, createAppLoginRole, signUp, startControlPlane, type Answer } from './support/control-plane.js';
import { policySource, queryAsTenant } from './support/contexts.js';

// Tenant B's admin key on every route that takes an id of tenant A: 404, nothing of A in the
// answer, nothing of A changed. The table must name every id-route the app registers.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let a: Awaited<ReturnType<typeof signUp>>;
let b: Awaited<ReturnType<typeof signUp>>;
const ids = { agent: '', credential: '', enforcer: '', apiKey: '', bCredential: '', report: '', replay: '', viewLink: '', bViewToken: '', destination: '', alert: '' };
const SECRET_MARK = 'tenant-a-secret-marker';
const A_DECISION = '01970000-0000-7000-8000-00000000000a';
const A_BLOCKED = '01970000-0000-7000-8000-00000000000b';

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url, { alerts: alertsConfig({ worker: false }) });
  a = await signUp(cp.url, 'Tenant A');
  b = await signUp(cp.url, 'Tenant B');
  const ok = (answer: Answer) => {
    if (answer.status >= 300) throw new Error(`setup failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  ids.agent = ok(await call(cp.url, 'POST', '/v1/agents', { key: a.key, body: { name: 'a-agent', description: SECRET_MARK } })).agent.id;
  ids.credential = ok(await call(cp.url, 'POST', '/v1/credentials', { key: a.key, body: { name: SECRET_MARK, kind: 'api_key', provider: 'crm', token: 'a-token', agentIds: [ids.agent] } })).id;
  ids.enforcer = ok(await call(cp.url, 'POST', '/v1/enforcers', { key: a.key, body: { name: 'a-edge' } })).enforcer.id;
  ids.apiKey = ok(await call(cp.url, 'POST', '/v1/api-keys', { key: a.key, body: { name: 'a-auditor', role: 'auditor' } })).id;
  ok(await call(cp.url, 'PUT', '/v1/policy', { key: a.key, body: { source: `# ${SECRET_MARK}\n${policySource('1')}` }, headers: { 'if-none-match': '*' } }));
  ok(await call(cp.url, 'PUT', '/v1/policy', { key: a.key, body: { source: `# ${SECRET_MARK}\n${policySource('2')}` }, headers: { 'if-match': '"1"' } }));
  ids.bCredential = ok(await call(cp.url, 'POST', '/v1/credentials', { key: b.key, body: { name: 'b-cred', kind: 'api_key', provider: 'crm', token: 'b-token' } })).id;
  const database = new TenantDatabase(cp.database);
  await registerReceiptKey(database, a.tenantId);
  await new DecisionIngestor(database, [], testVerifier(database), pino({ level: 'silent' })).ingest([
    { decision: recordOfEvent(decisionEvent({ tenantId: a.tenantId, decisionId: A_DECISION, agentId: 'a-agent', resource: SECRET_MARK })), from: 'test' },
  ]);
  ids.destination = ok(await call(cp.url, 'POST', '/v1/alert-destinations', { key: a.key, body: { kind: 'webhook', name: SECRET_MARK, url: 'http://127.0.0.1:9/hook' } })).destination.id;
  await ingest(cp, [alertDecisions.block(a.tenantId, A_BLOCKED)]);
  ids.alert = ok(await call(cp.url, 'GET', '/v1/alerts', { key: a.key })).items[0].id;
  ids.report = ok(await call(cp.url, 'POST', '/v1/shadow-reports', { key: a.key, body: {} })).id;
  ids.viewLink = ok(await call(cp.url, 'POST', `/v1/shadow-reports/${ids.report}/view-links`, { key: a.key, body: {} })).id;
  ids.replay = ok(await call(cp.url, 'POST', '/v1/policy/replays', { key: a.key, body: { source: policySource('3') } })).id;
  const bReport = ok(await call(cp.url, 'POST', '/v1/shadow-reports', { key: b.key, body: {} })).id;
  ids.bViewToken = ok(await call(cp.url, 'POST', `/v1/shadow-reports/${bReport}/view-links`, { key: b.key, body: {} })).token;
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

interface Case {
  path: () => string;
  body?: unknown;
  /** The stable code the refusal must carry. */
  code: string;
  /** 404 unless said otherwise. */
  status?: number;
}

/** Every id-route, keyed as Nest registers it. */
const MATRIX: Record<string, Case> = {
  'GET /v1/agents/:id': { path: () => `/v1/agents/${ids.agent}`, code: 'agent.not_found' },
  'PATCH /v1/agents/:id/labels': { path: () => `/v1/agents/${ids.agent}/labels`, body: { set: { stolen: 'yes' } }, code: 'agent.not_found' },
  'POST /v1/agents/:id/suspend': { path: () => `/v1/agents/${ids.agent}/suspend`, body: {}, code: 'agent.not_found' },
  'POST /v1/agents/:id/resume': { path: () => `/v1/agents/${ids.agent}/resume`, body: {}, code: 'agent.not_found' },
  'POST /v1/agents/:id/retire': { path: () => `/v1/agents/${ids.agent}/retire`, body: {}, code: 'agent.not_found' },
  'GET /v1/credentials/:id': { path: () => `/v1/credentials/${ids.credential}`, code: 'credential.not_found' },
  'PUT /v1/credentials/:id/agents/:agentId': { path: () => `/v1/credentials/${ids.credential}/agents/${ids.agent}`, code: 'credential.not_found' },
  'DELETE /v1/credentials/:id/agents/:agentId': { path: () => `/v1/credentials/${ids.credential}/agents/${ids.agent}`, code: 'credential.not_found' },
  'POST /v1/credentials/:id/rotate': { path: () => `/v1/credentials/${ids.credential}/rotate`, body: { token: 'b-new' }, code: 'credential.not_found' },
  'POST /v1/credentials/:id/revoke': { path: () => `/v1/credentials/${ids.credential}/revoke`, body: {}, code: 'credential.not_found' },
  'GET /v1/policy/versions/:version': { path: () => '/v1/policy/versions/1', code: 'policy.version_not_found' },
  'GET /v1/enforcers/:id': { path: () => `/v1/enforcers/${ids.enforcer}`, code: 'enforcer.not_found' },
  'POST /v1/enforcers/:id/decommission': { path: () => `/v1/enforcers/${ids.enforcer}/decommission`, body: {}, code: 'enforcer.not_found' },
  'DELETE /v1/api-keys/:id': { path: () => `/v1/api-keys/${ids.apiKey}`, code: 'tenant.api_key_not_found' },
  'GET /v1/decisions/:decisionId': { path: () => `/v1/decisions/${A_DECISION}`, code: 'decision.not_found' },
  'GET /v1/shadow-reports/:reportId': { path: () => `/v1/shadow-reports/${ids.report}`, code: 'shadow_report.not_found' },
  'POST /v1/shadow-reports/:reportId/view-links': { path: () => `/v1/shadow-reports/${ids.report}/view-links`, body: {}, code: 'shadow_report.not_found' },
  'DELETE /v1/shadow-reports/:reportId/view-links/:linkId': { path: () => `/v1/shadow-reports/${ids.report}/view-links/${ids.viewLink}`, code: 'shadow_report.not_found' },
  // The page takes no API key: tenant B's own view link, on tenant A's report, is a link for another report.
  'GET /v1/shadow-reports/:reportId/html': { path: () => `/v1/shadow-reports/${ids.report}/html?token=${encodeURIComponent(ids.bViewToken)}`, code: 'view_link.other_report', status: 403 },
  'GET /v1/alert-destinations/:id': { path: () => `/v1/alert-destinations/${ids.destination}`, code: 'alert_destination.not_found' },
  'POST /v1/alert-destinations/:id/rotate-secret': { path: () => `/v1/alert-destinations/${ids.destination}/rotate-secret`, body: {}, code: 'alert_destination.not_found' },
  'DELETE /v1/alert-destinations/:id': { path: () => `/v1/alert-destinations/${ids.destination}`, code: 'alert_destination.not_found' },
  'GET /v1/alerts/:id': { path: () => `/v1/alerts/${ids.alert}`, code: 'alert.not_found' },
  'POST /v1/alerts/:id/redeliver': { path: () => `/v1/alerts/${ids.alert}/redeliver`, body: {}, code: 'alert.not_found' },
  'GET /v1/policy/replays/:replayId': { path: () => `/v1/policy/replays/${ids.replay}`, code: 'policy_replay.not_found' },
};

/** The routes Nest actually registered, from the controllers' metadata (not from our own table or OpenAPI). */
function registeredIdRoutes(): string[] {
  const routes: string[] = [];
  for (const module of cp.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!type) continue;
      const prefix = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const path = ['v1', prefix, String(Reflect.getMetadata(PATH_METADATA, handler))].flatMap((p) => p.split('/')).filter((p) => p !== '');
        if (path.some((p) => p.startsWith(':'))) routes.push(`${method} /${path.join('/')}`);
      }
    }
  }
  return routes.sort();
}

/** What of tenant A shows in an answer, beyond the ids B itself put in the URL (which a problem may echo). */
function leaks(answer: Answer, sentPath = ''): string[] {
  const text = JSON.stringify(answer.body ?? '');
  return [a.tenantId, ids.agent, ids.credential, ids.enforcer, ids.apiKey, SECRET_MARK, 'a-agent', 'a-edge'].filter((s) => text.includes(s) && !sentPath.includes(s));
}

async function snapshotOfA(): Promise<unknown> {
  return queryAsTenant(cp, a.tenantId, 'SELECT stream_id, version, type FROM events ORDER BY position');
}

describe('tenant isolation matrix (agents, credentials, policy, enforcers, API keys)', () => {
  it('covers every id-route the app registers', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(registeredIdRoutes());
  });

  it.each(Object.entries(MATRIX))("%s with tenant B's key on tenant A's ids: refused (404), nothing leaked, nothing changed", async (route, c) => {
    const before = await snapshotOfA();
    const method = route.split(' ')[0]!;
    const answer = await call(cp.url, method, c.path(), { key: b.key, ...(c.body === undefined ? {} : { body: c.body }) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(c.status ?? 404);
    expect(answer.body.code).toBe(c.code);
    expect(leaks(answer, c.path())).toEqual([]);
    expect(await snapshotOfA()).toEqual(before);
  });

  it("does not link tenant B's credential to tenant A's agent", async () => {
    const path = `/v1/credentials/${ids.bCredential}/agents/${ids.agent}`;
    const answer = await call(cp.url, 'PUT', path, { key: b.key });
    expect([answer.status, answer.body.code]).toEqual([404, 'agent.not_found']);
    expect(leaks(answer, path)).toEqual([]);
    const credential = await call(cp.url, 'GET', `/v1/credentials/${ids.bCredential}`, { key: b.key });
    expect(credential.body.agentIds).toEqual([]);
  });

  it("lists and diffs nothing of tenant A for tenant B", async () => {
    for (const path of ['/v1/agents', '/v1/credentials', `/v1/credentials?agentId=${ids.agent}`, '/v1/enforcers', '/v1/policy/versions']) {
      const answer = await call(cp.url, 'GET', path, { key: b.key });
      expect(answer.status, path).toBe(200);
      expect(leaks(answer, path.includes('agentId') ? path : ''), path).toEqual([]);
      expect(answer.body.items.filter((i: { id?: string }) => i.id !== ids.bCredential), path).toEqual([]);
    }
    const policy = await call(cp.url, 'GET', '/v1/policy', { key: b.key });
    expect([policy.status, policy.body.code]).toEqual([404, 'policy.not_found']);
    const diff = await call(cp.url, 'GET', '/v1/policy/diff?from=1&to=2', { key: b.key });
    expect([diff.status, diff.body.code, leaks(diff)]).toEqual([404, 'policy.version_not_found', []]);
  });

  it('shows the app role with no tenant set zero rows of these read models', async () => {
    const counts = await cp.database.sql.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE thoth_app');
      return tx.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM agents) + (SELECT count(*) FROM credentials) + (SELECT count(*) FROM credential_agents)
              + (SELECT count(*) FROM credential_fingerprints) + (SELECT count(*) FROM policies) + (SELECT count(*) FROM policy_versions)
              + (SELECT count(*) FROM enforcers) AS n`,
      );
    });
    expect(Number(counts[0]!.n)).toBe(0);
  });
});
