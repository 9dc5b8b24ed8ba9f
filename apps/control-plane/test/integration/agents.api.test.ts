import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { queryAsTenant } from './support/contexts.js';

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let admin: string;
let tenantId: string;
let readOnly: string;
let auditor: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  ({ key: admin, tenantId } = await signUp(cp.url, 'Agents Inc'));
  readOnly = (await call(cp.url, 'POST', '/v1/api-keys', { key: admin, body: { name: 'ro', role: 'read_only' } })).body.key;
  auditor = (await call(cp.url, 'POST', '/v1/api-keys', { key: admin, body: { name: 'au', role: 'auditor' } })).body.key;
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('/v1/agents', () => {
  it('registers an agent with a token shown once and stored only as its hash', async () => {
    const answer = await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 'crm-agent', description: 'CRM sync', labels: { team: 'sales' } } });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('etag')).toBe('"1"');
    expect(answer.headers.get('location')).toBe(`/v1/agents/${answer.body.agent.id}`);
    expect(answer.body.token).toMatch(/^thoth_at_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
    expect(answer.body.agent).toMatchObject({ name: 'crm-agent', labels: { team: 'sales' }, status: 'active', version: 1 });
    expect(answer.body.token.startsWith(answer.body.agent.tokenHint)).toBe(true);

    const stored = await queryAsTenant<{ token_hash: string }>(cp, tenantId, 'SELECT token_hash FROM agents WHERE agent_id = $1', [answer.body.agent.id]);
    expect(stored[0]?.token_hash).toBe(createHash('sha256').update(answer.body.token).digest('hex'));
    const events = await queryAsTenant<{ payload: unknown }>(cp, tenantId, 'SELECT payload FROM events WHERE stream_id = $1', [`agent-${answer.body.agent.id}`]);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(answer.body.token);
    const got = await call(cp.url, 'GET', `/v1/agents/${answer.body.agent.id}`, { key: readOnly });
    expect(JSON.stringify(got.body)).not.toContain(answer.body.token);
  });

  it('refuses bad input precisely', async () => {
    const unknown = await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 'x', colour: 'red' } });
    expect([unknown.status, unknown.body.code, unknown.body.errors]).toEqual([400, 'request.unknown_field', [expect.objectContaining({ path: '/colour' })]]);
    const badName = await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 'CRM Agent' } });
    expect([badName.status, badName.body.code, badName.body.errors?.[0]?.path]).toEqual([422, 'agent.invalid_name', '/name']);
    const badLabel = await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 'ok-agent', labels: { 'bad key': 'x' } } });
    expect([badLabel.status, badLabel.body.code]).toEqual([422, 'agent.invalid_label']);
    const typed = await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 42 } });
    expect([typed.status, typed.body.code]).toEqual([400, 'request.invalid']);
    await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 'twin' } });
    const twin = await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 'twin' } });
    expect([twin.status, twin.body.code]).toEqual([409, 'agent.name_taken']);
    const huge = await call(cp.url, 'POST', '/v1/agents', { key: admin, raw: JSON.stringify({ name: 'big', description: 'x'.repeat(400 * 1024) }) });
    expect([huge.status, huge.body.code]).toEqual([413, 'request.too_large']);
    const badId = await call(cp.url, 'GET', '/v1/agents/not-a-uuid', { key: admin });
    expect(badId.status).toBe(400);
  });

  it('labels, suspends, resumes and retires, with If-Match and terminal retirement', async () => {
    const { body } = await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 'ops-agent', labels: { env: 'dev' } } });
    const id = body.agent.id as string;
    const labeled = await call(cp.url, 'PATCH', `/v1/agents/${id}/labels`, { key: admin, body: { set: { role: 'oncall' }, remove: ['env'] }, headers: { 'if-match': '"1"' } });
    expect([labeled.status, labeled.body.labels, labeled.headers.get('etag')]).toEqual([200, { role: 'oncall' }, '"2"']);
    const stale = await call(cp.url, 'POST', `/v1/agents/${id}/suspend`, { key: admin, body: { reason: 'x' }, headers: { 'if-match': '"1"' } });
    expect([stale.status, stale.body.code]).toEqual([409, 'concurrency.conflict']);
    const suspended = await call(cp.url, 'POST', `/v1/agents/${id}/suspend`, { key: admin, body: { reason: 'deleting executives' } });
    expect(suspended.body).toMatchObject({ status: 'suspended', statusReason: 'deleting executives', version: 3 });
    const resumed = await call(cp.url, 'POST', `/v1/agents/${id}/resume`, { key: admin });
    expect(resumed.body).toMatchObject({ status: 'active', version: 4 });
    const resumeUnknown = await call(cp.url, 'POST', `/v1/agents/${id}/resume`, { key: admin, body: { now: true } });
    expect([resumeUnknown.status, resumeUnknown.body.code]).toEqual([400, 'request.unknown_field']);
    const retired = await call(cp.url, 'POST', `/v1/agents/${id}/retire`, { key: admin, body: {} });
    expect(retired.body).toMatchObject({ status: 'retired', version: 5 });
    const again = await call(cp.url, 'POST', `/v1/agents/${id}/suspend`, { key: admin, body: {} });
    expect([again.status, again.body.code]).toEqual([409, 'agent.retired']);
    const list = await call(cp.url, 'GET', '/v1/agents?status=retired', { key: auditor });
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([id]);
  });

  it('lets only admins change agents, refuses revoked keys, and answers unknown ids with 404', async () => {
    const denied = await call(cp.url, 'POST', '/v1/agents', { key: readOnly, body: { name: 'ro-agent' } });
    expect([denied.status, denied.body.code]).toEqual([403, expect.any(String)]);
    const auditorDenied = await call(cp.url, 'POST', '/v1/agents', { key: auditor, body: { name: 'au-agent' } });
    expect(auditorDenied.status).toBe(403);
    const issued = await call(cp.url, 'POST', '/v1/api-keys', { key: admin, body: { name: 'soon revoked', role: 'admin' } });
    await call(cp.url, 'DELETE', `/v1/api-keys/${issued.body.id}`, { key: admin });
    const revoked = await call(cp.url, 'POST', '/v1/agents', { key: issued.body.key, body: { name: 'late-agent' } });
    expect(revoked.status).toBe(401);
    const missing = await call(cp.url, 'POST', '/v1/agents/00000000-0000-4000-8000-000000000000/suspend', { key: admin, body: {} });
    expect([missing.status, missing.body.code]).toEqual([404, 'agent.not_found']);
  });
});
