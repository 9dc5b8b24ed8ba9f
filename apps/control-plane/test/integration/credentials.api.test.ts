import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { queryAsTenant } from './support/contexts.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const SECRET = 'sf-secret-token-do-not-log';

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let admin: string;
let tenantId: string;
let readOnly: string;
let agentId: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  ({ key: admin, tenantId } = await signUp(cp.url, 'Creds Inc'));
  readOnly = (await call(cp.url, 'POST', '/v1/api-keys', { key: admin, body: { name: 'ro', role: 'read_only' } })).body.key;
  agentId = (await call(cp.url, 'POST', '/v1/agents', { key: admin, body: { name: 'crm-agent' } })).body.agent.id;
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

const register = (body: Record<string, unknown>, key = admin) =>
  call(cp.url, 'POST', '/v1/credentials', { key, body: { name: 'Salesforce prod', kind: 'oauth_token', provider: 'salesforce', ...body } });

describe('/v1/credentials', () => {
  it('hashes a token at once and keeps only its fingerprint', async () => {
    const answer = await register({
      token: SECRET,
      scopes: ['api'],
      allowedResources: ['crm/*'],
      allowedLocations: { cidrs: ['10.20.0.0/16', '2001:db8:20::/48'], regions: ['us-west-2'] },
      expiresAt: '2030-01-01T00:00:00Z',
      agentIds: [agentId],
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      fingerprint: sha256(SECRET),
      agentIds: [agentId],
      allowedLocations: { cidrs: ['10.20.0.0/16', '2001:db8:20::/48'], regions: ['us-west-2'] },
      expiresAt: '2030-01-01T00:00:00.000Z',
      status: 'active',
      version: 2,
    });
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    const everything = await queryAsTenant<{ t: string }>(cp, tenantId, `SELECT (SELECT json_agg(e) FROM events e)::text || (SELECT json_agg(c) FROM credentials c)::text AS t`);
    expect(everything[0]?.t).toContain(sha256(SECRET));
    expect(everything[0]?.t).not.toContain(SECRET);
  });

  it('accepts a precomputed fingerprint and refuses bad input precisely', async () => {
    const fp = sha256('other-secret');
    const ok = await register({ fingerprint: `sha256:${fp.toUpperCase()}`, kind: 'api_key', provider: 'stripe' });
    expect([ok.status, ok.body.fingerprint]).toEqual([201, fp]);
    const taken = await register({ fingerprint: fp });
    expect([taken.status, taken.body.code]).toEqual([409, 'credential.fingerprint_taken']);
    const both = await register({ token: 'a', fingerprint: fp });
    expect([both.status, both.body.code]).toEqual([400, 'request.invalid']);
    const unknown = await register({ fingerprint: sha256('x'), owner: 'me' });
    expect([unknown.status, unknown.body.code, unknown.body.errors?.[0]?.path]).toEqual([400, 'request.unknown_field', '/owner']);
    const cidr = await register({ fingerprint: sha256('y'), allowedLocations: { cidrs: ['10.0.0.0/8', '10.1.2.3/16'] } });
    expect([cidr.status, cidr.body.code, cidr.body.errors?.[0]?.path]).toEqual([422, 'credential.invalid_cidr', '/allowedLocations/cidrs/1']);
    expect(cidr.body.detail).toContain('did you mean 10.1.0.0/16?');
    const badFp = await register({ fingerprint: 'abc' });
    expect([badFp.status, badFp.body.code]).toEqual([422, 'credential.invalid_fingerprint']);
    const expired = await register({ fingerprint: sha256('z'), expiresAt: '2001-01-01T00:00:00Z' });
    expect([expired.status, expired.body.code]).toEqual([422, 'credential.invalid_expiry']);
    const ghost = await register({ fingerprint: sha256('w'), agentIds: ['00000000-0000-4000-8000-000000000000'] });
    expect([ghost.status, ghost.body.code]).toEqual([404, 'agent.not_found']);
    const denied = await register({ fingerprint: sha256('v') }, readOnly);
    expect(denied.status).toBe(403);
  });

  it('links and unlinks agents, rotates and revokes', async () => {
    const created = await register({ fingerprint: sha256('rotate-me-1') });
    const id = created.body.id as string;
    const linked = await call(cp.url, 'PUT', `/v1/credentials/${id}/agents/${agentId}`, { key: admin });
    expect([linked.status, linked.body.agentIds]).toEqual([200, [agentId]]);
    const byAgent = await call(cp.url, 'GET', `/v1/credentials?agentId=${agentId}`, { key: readOnly });
    expect(byAgent.body.items.map((c: { id: string }) => c.id)).toContain(id);
    const unlinked = await call(cp.url, 'DELETE', `/v1/credentials/${id}/agents/${agentId}`, { key: admin });
    expect(unlinked.body.agentIds).toEqual([]);

    const stale = await call(cp.url, 'POST', `/v1/credentials/${id}/rotate`, { key: admin, body: { token: 'rotate-me-2' }, headers: { 'if-match': '"1"' } });
    expect([stale.status, stale.body.code]).toEqual([409, 'concurrency.conflict']);
    const rotated = await call(cp.url, 'POST', `/v1/credentials/${id}/rotate`, { key: admin, body: { token: 'rotate-me-2' }, headers: { 'if-match': '"3"' } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ fingerprint: sha256('rotate-me-2'), rotatedOut: [expect.objectContaining({ fingerprint: sha256('rotate-me-1') })] });
    const back = await call(cp.url, 'POST', `/v1/credentials/${id}/rotate`, { key: admin, body: { token: 'rotate-me-1' } });
    expect([back.status, back.body.code]).toEqual([409, 'credential.fingerprint_reused']);

    const revoked = await call(cp.url, 'POST', `/v1/credentials/${id}/revoke`, { key: admin, body: { reason: 'leaked' } });
    expect(revoked.body).toMatchObject({ status: 'revoked', revokedReason: 'leaked' });
    const after = await call(cp.url, 'PUT', `/v1/credentials/${id}/agents/${agentId}`, { key: admin });
    expect([after.status, after.body.code]).toEqual([409, 'credential.revoked']);
    // A revoked credential's fingerprint may be registered again.
    const reuse = await register({ fingerprint: sha256('rotate-me-2') });
    expect(reuse.status).toBe(201);
  });
});
