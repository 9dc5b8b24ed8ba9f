import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { policySource } from '../../apps/control-plane/test/integration/support/contexts.js';
import { call, createAppLoginRole, signUp, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';

// docs/security.md, "Shadow mode needs the admin role": shadow lets every denied call through, so
// turning it on for the policy is the same act as turning it on for the tenant, and needs the same role.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let admin: string;
let author: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  ({ key: admin } = await signUp(cp.url, 'Shadow Role Inc'));
  author = (await call(cp.url, 'POST', '/v1/api-keys', { key: admin, body: { name: 'author', role: 'policy_author' } })).body.key as string;
  const published = await call(cp.url, 'PUT', '/v1/policy', { key: author, body: { source: policySource('1') }, headers: { 'if-none-match': '*' } });
  expect(published.status).toBe(200);
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('a policy author turns enforcement off', () => {
  it('cannot switch the tenant to shadow (admin only)', async () => {
    const tenant = await call(cp.url, 'PUT', '/v1/tenant/mode', { key: author, body: { mode: 'shadow' } });
    expect([tenant.status, tenant.body.code]).toEqual([403, 'auth.forbidden_role']);
  });

  it('cannot switch the policy to shadow either: the same role as the tenant switch is needed', async () => {
    const policy = await call(cp.url, 'PUT', '/v1/policy/mode', { key: author, body: { mode: 'shadow' } });
    expect([policy.status, policy.body.code, policy.body.type]).toEqual([403, 'auth.forbidden_role', 'urn:thoth:problem:auth.forbidden_role']);
    const unchanged = await call(cp.url, 'GET', '/v1/policy', { key: author });
    expect(unchanged.body.mode).toBe('enforce');
  });

  it('an admin can switch the policy to shadow and back', async () => {
    const shadow = await call(cp.url, 'PUT', '/v1/policy/mode', { key: admin, body: { mode: 'shadow' } });
    expect([shadow.status, shadow.body.mode]).toEqual([200, 'shadow']);
    const enforce = await call(cp.url, 'PUT', '/v1/policy/mode', { key: admin, body: { mode: 'enforce' } });
    expect([enforce.status, enforce.body.mode]).toEqual([200, 'enforce']);
  });
});
