import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { policySource } from './support/contexts.js';

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let admin: string;
let author: string;
let auditor: string;
let readOnly: string;

const invalid = policySource('1').replace('effect: deny', 'effect: maybe');

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  ({ key: admin } = await signUp(cp.url, 'Policies Inc'));
  const issue = async (r: string) => (await call(cp.url, 'POST', '/v1/api-keys', { key: admin, body: { name: r, role: r } })).body.key as string;
  [author, auditor, readOnly] = [await issue('policy_author'), await issue('auditor'), await issue('read_only')];
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('/v1/policy', () => {
  it('validates as a dry run, with every error located by line and column', async () => {
    const ok = await call(cp.url, 'POST', '/v1/policy/validate', { key: author, body: { source: policySource('1') } });
    expect(ok.body).toMatchObject({ valid: true, errors: [], document: { name: 'crm-guardrails', version: '1' }, size: { rules: 1 } });
    const bad = await call(cp.url, 'POST', '/v1/policy/validate', { key: author, body: { source: invalid } });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ valid: false, errors: [{ code: 'schema.enum', path: '/rules/0/effect', line: 12, column: expect.any(Number) }] });
    expect((await call(cp.url, 'GET', '/v1/policy', { key: readOnly })).status).toBe(404);
    const unknown = await call(cp.url, 'POST', '/v1/policy/validate', { key: author, body: { source: 'x', lang: 'rego' } });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'request.unknown_field']);
  });

  it('publishes versions under If-Match, refusing stale, missing and invalid ones', async () => {
    const missing = await call(cp.url, 'PUT', '/v1/policy', { key: author, body: { source: policySource('1') } });
    expect([missing.status, missing.body.code]).toEqual([428, 'policy.precondition_required']);
    const v1 = await call(cp.url, 'PUT', '/v1/policy', { key: author, body: { source: policySource('1') }, headers: { 'if-none-match': '*' } });
    expect([v1.status, v1.headers.get('etag'), v1.body.currentVersion, v1.body.mode]).toEqual([200, '"1"', 1, 'enforce']);
    const bad = await call(cp.url, 'PUT', '/v1/policy', { key: author, body: { source: invalid }, headers: { 'if-match': '"1"' } });
    expect([bad.status, bad.body.code]).toEqual([422, 'policy.invalid']);
    expect(bad.body.errors).toEqual([expect.objectContaining({ code: 'schema.enum', path: '/rules/0/effect', line: 12, column: expect.any(Number) })]);
    const v2 = await call(cp.url, 'PUT', '/v1/policy', { key: admin, body: { source: policySource('2', ['crm.drop_table', 'crm.truncate_*']) }, headers: { 'if-match': '"1"' } });
    expect([v2.status, v2.headers.get('etag')]).toEqual([200, '"2"']);
    const stale = await call(cp.url, 'PUT', '/v1/policy', { key: author, body: { source: policySource('3') }, headers: { 'if-match': '"1"' } });
    expect([stale.status, stale.body.code]).toEqual([409, 'policy.version_stale']);
    const same = await call(cp.url, 'PUT', '/v1/policy', { key: author, body: { source: policySource('2', ['crm.drop_table', 'crm.truncate_*']) }, headers: { 'if-match': '"2"' } });
    expect([same.status, same.body.code]).toEqual([409, 'policy.unchanged']);
    const wrongRole = await call(cp.url, 'PUT', '/v1/policy', { key: auditor, body: { source: policySource('9') }, headers: { 'if-match': '"2"' } });
    expect(wrongRole.status).toBe(403);
    const badEtag = await call(cp.url, 'PUT', '/v1/policy', { key: author, body: { source: policySource('9') }, headers: { 'if-match': 'two' } });
    expect([badEtag.status, badEtag.body.code]).toEqual([400, 'request.invalid_if_match']);
  });

  it('lists and diffs versions, rolls back forward, and switches mode', async () => {
    const list = await call(cp.url, 'GET', '/v1/policy/versions', { key: readOnly });
    expect(list.body.items.map((v: { version: number; source?: string }) => [v.version, v.source])).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
    const one = await call(cp.url, 'GET', '/v1/policy/versions/1', { key: readOnly });
    expect(one.body).toMatchObject({ version: 1, source: policySource('1'), publishedBy: expect.stringMatching(/^key:/) });
    const diff = await call(cp.url, 'GET', '/v1/policy/diff?from=1&to=2', { key: auditor });
    expect(diff.body).toMatchObject({ from: 1, to: 2, added: 2, removed: 2 });
    expect(diff.body.unified).toContain('+      tools: ["crm.drop_table","crm.truncate_*"]');
    const noVersion = await call(cp.url, 'GET', '/v1/policy/diff?from=1&to=9', { key: auditor });
    expect([noVersion.status, noVersion.body.code]).toEqual([404, 'policy.version_not_found']);

    const rolledBack = await call(cp.url, 'POST', '/v1/policy/rollback', { key: author, body: { toVersion: 1 }, headers: { 'if-match': '"2"' } });
    expect([rolledBack.status, rolledBack.body.currentVersion, rolledBack.body.current.rolledBackTo, rolledBack.body.current.source]).toEqual([200, 3, 1, policySource('1')]);
    const rollbackStale = await call(cp.url, 'POST', '/v1/policy/rollback', { key: author, body: { toVersion: 2 }, headers: { 'if-match': '"2"' } });
    expect([rollbackStale.status, rollbackStale.body.code]).toEqual([409, 'policy.version_stale']);

    const authorMode = await call(cp.url, 'PUT', '/v1/policy/mode', { key: author, body: { mode: 'shadow' } });
    expect([authorMode.status, authorMode.body.code]).toEqual([403, 'auth.forbidden_role']);
    const shadow = await call(cp.url, 'PUT', '/v1/policy/mode', { key: admin, body: { mode: 'shadow' } });
    expect([shadow.status, shadow.body.mode, shadow.body.currentVersion]).toEqual([200, 'shadow', 3]);
    const badMode = await call(cp.url, 'PUT', '/v1/policy/mode', { key: admin, body: { mode: 'audit' } });
    expect([badMode.status, badMode.body.code]).toEqual([400, 'request.invalid']);
    const roMode = await call(cp.url, 'PUT', '/v1/policy/mode', { key: readOnly, body: { mode: 'enforce' } });
    expect(roMode.status).toBe(403);
  });
});
