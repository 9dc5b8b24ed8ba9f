import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from './support/control-plane.js';

const signedUpAt = new Date('2026-06-01T12:00:00.000Z');
const clock = new FixedClock(signedUpAt);
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let base: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url, {}, clock);
  base = cp.url;
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('POST /v1/tenants (sign-up)', () => {
  it('creates a tenant in a seven-day shadow trial, fail-closed, and returns the first admin key once', async () => {
    const answer = await call(base, 'POST', '/v1/tenants', { body: { name: 'Acme', email: 'ops@acme.test' } });
    expect(answer.status).toBe(201);
    expect(answer.body.tenant).toMatchObject({
      name: 'Acme',
      mode: 'shadow',
      failMode: 'closed',
      signedUpAt: '2026-06-01T12:00:00.000Z',
      trial: { endsAt: '2026-06-08T12:00:00.000Z', active: true },
      version: 2,
    });
    expect(answer.body.apiKey).toMatchObject({ role: 'admin', key: expect.stringMatching(/^thoth_sk_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/) });

    const keys = await call(base, 'GET', '/v1/api-keys', { key: answer.body.apiKey.key });
    expect(keys.status).toBe(200);
    expect(keys.body.items).toEqual([expect.objectContaining({ id: answer.body.apiKey.id, role: 'admin', prefix: answer.body.apiKey.prefix, revokedAt: null })]);
    expect(JSON.stringify(keys.body)).not.toContain(answer.body.apiKey.key);
  });

  it('rejects unknown fields with their path, bad values, bad JSON and oversized bodies as problems', async () => {
    const unknown = await call(base, 'POST', '/v1/tenants', { body: { name: 'Acme', email: 'ops@acme.test', card: '4242', plan: 'x' } });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ type: 'urn:thoth:problem:request.unknown_field', status: 400, code: 'request.unknown_field', title: 'Bad Request' });
    expect(unknown.body.errors.map((e: { path: string }) => e.path)).toEqual(['/card', '/plan']);

    const invalid = await call(base, 'POST', '/v1/tenants', { body: { name: '', email: 'not-an-email' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('request.invalid');
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/email', '/name']);

    const badJson = await call(base, 'POST', '/v1/tenants', { raw: '{"name": ' });
    expect([badJson.status, badJson.body.code]).toEqual([400, 'request.invalid_json']);

    const huge = await call(base, 'POST', '/v1/tenants', { body: { name: 'x'.repeat(300 * 1024), email: 'a@b.test' } });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ code: 'request.too_large', status: 413 });
  });
});

describe('the tenant', () => {
  it('reads with an ETag; mode and fail mode change with If-Match, a stale one is 409', async () => {
    const { key } = await signUp(base, 'Modes');
    const got = await call(base, 'GET', '/v1/tenant', { key });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"2"');

    const enforce = await call(base, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'enforce' }, headers: { 'if-match': '"2"' } });
    expect(enforce.status).toBe(200);
    expect(enforce.body).toMatchObject({ mode: 'enforce', version: 3 });
    expect(enforce.headers.get('etag')).toBe('"3"');

    const stale = await call(base, 'PUT', '/v1/tenant/fail-mode', { key, body: { failMode: 'open' }, headers: { 'if-match': '"2"' } });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('concurrency.conflict');

    const open = await call(base, 'PUT', '/v1/tenant/fail-mode', { key, body: { failMode: 'open' }, headers: { 'if-match': '"3"' } });
    expect([open.status, open.body.failMode, open.body.version]).toEqual([200, 'open', 4]);

    const badMode = await call(base, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'block-everything' } });
    expect([badMode.status, badMode.body.code, badMode.body.errors[0].path]).toEqual([400, 'request.invalid', '/mode']);
    const extra = await call(base, 'PUT', '/v1/tenant/fail-mode', { key, body: { failMode: 'closed', force: true } });
    expect([extra.status, extra.body.code, extra.body.errors[0].path]).toEqual([400, 'request.unknown_field', '/force']);
    const badEtag = await call(base, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'shadow' }, headers: { 'if-match': 'yesterday' } });
    expect([badEtag.status, badEtag.body.code]).toEqual([400, 'request.invalid_if_match']);
  });

  it('reports the trial over once seven days have passed (injected clock)', async () => {
    const { key } = await signUp(base, 'Trial');
    clock.current = new Date(signedUpAt.getTime() + 7 * 24 * 3600 * 1000 + 1);
    try {
      const got = await call(base, 'GET', '/v1/tenant', { key });
      expect(got.body.trial.active).toBe(false);
    } finally {
      clock.current = signedUpAt;
    }
  });
});

describe('API keys and roles', () => {
  it('issues keys with roles; a wrong role is 403, a revoked key 401, bad keys 401 before any lookup', async () => {
    const { key: admin, keyId: adminKeyId } = await signUp(base, 'Keys');
    const reader = await call(base, 'POST', '/v1/api-keys', { key: admin, body: { name: 'dashboards', role: 'read_only' } });
    expect(reader.status).toBe(201);
    expect(reader.body).toMatchObject({ name: 'dashboards', role: 'read_only', key: expect.stringMatching(/^thoth_sk_/) });

    expect((await call(base, 'GET', '/v1/tenant', { key: reader.body.key })).status).toBe(200);
    const forbidden = await call(base, 'POST', '/v1/api-keys', { key: reader.body.key, body: { name: 'escalate', role: 'admin' } });
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'auth.forbidden_role']);
    expect((await call(base, 'PUT', '/v1/tenant/mode', { key: reader.body.key, body: { mode: 'enforce' } })).status).toBe(403);
    expect((await call(base, 'GET', '/v1/audit', { key: reader.body.key })).status).toBe(403);

    const badRole = await call(base, 'POST', '/v1/api-keys', { key: admin, body: { name: 'x', role: 'root' } });
    expect([badRole.status, badRole.body.errors[0].path]).toEqual([400, '/role']);
    const extra = await call(base, 'POST', '/v1/api-keys', { key: admin, body: { name: 'x', role: 'auditor', expires: 'never' } });
    expect([extra.status, extra.body.code]).toEqual([400, 'request.unknown_field']);

    const revoked = await call(base, 'DELETE', `/v1/api-keys/${reader.body.id}`, { key: admin });
    expect(revoked.status).toBe(204);
    const after = await call(base, 'GET', '/v1/tenant', { key: reader.body.key });
    expect([after.status, after.body.code]).toEqual([401, 'auth.revoked_key']);
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const again = await call(base, 'DELETE', `/v1/api-keys/${reader.body.id}`, { key: admin });
    expect([again.status, again.body.code]).toEqual([409, 'tenant.api_key_already_revoked']);
    const lastAdmin = await call(base, 'DELETE', `/v1/api-keys/${adminKeyId}`, { key: admin });
    expect([lastAdmin.status, lastAdmin.body.code]).toEqual([409, 'tenant.last_admin_key']);
    const unknownId = await call(base, 'DELETE', '/v1/api-keys/00000000-0000-4000-8000-000000000000', { key: admin });
    expect([unknownId.status, unknownId.body.code]).toEqual([404, 'tenant.api_key_not_found']);
    const notUuid = await call(base, 'DELETE', '/v1/api-keys/abc', { key: admin });
    expect([notUuid.status, notUuid.body.errors[0].path]).toEqual([400, '/id']);

    const listed = await call(base, 'GET', '/v1/api-keys', { key: admin });
    expect(listed.body.items.find((k: { id: string }) => k.id === reader.body.id).revokedAt).toEqual(expect.any(String));

    expect((await call(base, 'GET', '/v1/tenant')).body.code).toBe('auth.missing_key');
    const forged = admin.slice(0, -6) + (admin.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    expect((await call(base, 'GET', '/v1/tenant', { key: forged })).body.code).toBe('auth.malformed_key');
    expect((await call(base, 'GET', '/v1/tenant', { key: 'thoth_sk_nope' })).status).toBe(401);
  });
});

describe('GET /v1/audit', () => {
  it('lists who changed what and when, paginated, from the event store', async () => {
    const { key, keyId } = await signUp(base, 'Audited');
    await call(base, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'enforce' }, headers: { 'x-request-id': 'req-mode-1' } });
    await call(base, 'PUT', '/v1/tenant/fail-mode', { key, body: { failMode: 'open' } });

    const first = await call(base, 'GET', '/v1/audit?limit=3', { key });
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { type: string }) => e.type)).toEqual(['tenant.signed_up', 'tenant.api_key_issued', 'tenant.mode_switched']);
    expect(first.body.items[2]).toMatchObject({ actor: `key:${keyId}`, requestId: 'req-mode-1', version: 3, recordedAt: expect.any(String) });
    expect(first.body.items[0].actor).toBe('signup');
    const second = await call(base, 'GET', `/v1/audit?limit=3&after=${first.body.next}`, { key });
    expect(second.body).toMatchObject({ items: [expect.objectContaining({ type: 'tenant.fail_mode_chosen' })], next: null });
    expect(JSON.stringify(first.body)).not.toMatch(/keyHash|[0-9a-f]{64}/);

    const bad = await call(base, 'GET', '/v1/audit?limit=0&page=2', { key });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/limit', '/page']);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and RateLimit headers once a tenant spends its bucket', async () => {
    const limited = await startControlPlane(role.url, { rateLimit: { perTenantPerMinute: 3, anonymousPerMinute: 100, perAddressPerMinute: 100_000 } });
    try {
      const { key } = await signUp(limited.url, 'Limited');
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await call(limited.url, 'GET', '/v1/tenant', { key }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(answers[0]!.headers.get('ratelimit-policy')).toBe('"per-tenant";q=3;w=60');
      expect(answers[0]!.headers.get('ratelimit')).toMatch(/^"per-tenant";r=2;t=\d+$/);
      const refused = answers[3]!;
      expect(refused.body).toMatchObject({ code: 'rate_limited', status: 429 });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('ratelimit')).toMatch(/^"per-tenant";r=0;t=\d+$/);
    } finally {
      await limited.close();
    }
  });
});

describe('OpenAPI', () => {
  it('serves the document committed at apps/control-plane/openapi.json', async () => {
    const served = await call(base, 'GET', '/v1/openapi.json');
    expect(served.status).toBe(200);
    const committed = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as unknown;
    expect(served.body, 'apps/control-plane/openapi.json is stale: run `pnpm openapi` and commit it').toEqual(committed);
  });

  it('answers unknown routes with a problem', async () => {
    const missing = await call(base, 'GET', '/v1/nothing-here');
    expect([missing.status, missing.body.code]).toEqual([404, 'route.not_found']);
  });
});
