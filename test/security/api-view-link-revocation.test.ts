import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { queryAsTenant } from '../../apps/control-plane/test/integration/support/contexts.js';
import { call, createAppLoginRole, signUp, startControlPlane, type Answer } from '../../apps/control-plane/test/integration/support/control-plane.js';

// docs/security.md, "View links can be revoked": a report's view link that leaked (pasted in a
// ticket, forwarded) is revoked by an admin, audited, and from then on opens nothing — answering
// exactly as a link that never existed does, so the page is no oracle of what was revoked.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let tenant: Awaited<ReturnType<typeof signUp>>;
let auditor: string;
let reportId: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  tenant = await signUp(cp.url, 'View Links Inc');
  auditor = (await call(cp.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'auditor', role: 'auditor' } })).body.key as string;
  reportId = (await call(cp.url, 'POST', '/v1/shadow-reports', { key: tenant.key, body: {} })).body.id as string;
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

const issue = async (): Promise<{ token: string; linkId: string }> => {
  const answer = await call(cp.url, 'POST', `/v1/shadow-reports/${reportId}/view-links`, { key: auditor, body: {} });
  expect(answer.status).toBe(201);
  return { token: answer.body.token as string, linkId: (answer.body.token as string).split('.')[2]! };
};
const openPage = async (token: string): Promise<Response> => fetch(`${cp.url}/v1/shadow-reports/${reportId}/html?token=${encodeURIComponent(token)}`);
/** What a refusal shows, without what differs per request. */
const refusal = async (response: Response) => {
  const { instance: _instance, requestId: _requestId, ...body } = (await response.json()) as Record<string, unknown>;
  return { status: response.status, cacheControl: response.headers.get('cache-control'), body };
};
const revoke = (linkId: string, key: string): Promise<Answer> => call(cp.url, 'DELETE', `/v1/shadow-reports/${reportId}/view-links/${linkId}`, { key });

describe('a leaked view link is revoked', () => {
  it('only an admin revokes it; the revocation is in the audit trail', async () => {
    const link = await issue();
    expect((await openPage(link.token)).status).toBe(200);
    const byAuditor = await revoke(link.linkId, auditor);
    expect([byAuditor.status, byAuditor.body.code]).toEqual([403, 'auth.forbidden_role']);
    expect((await openPage(link.token)).status).toBe(200);

    const revoked = await revoke(link.linkId, tenant.key);
    expect(revoked.status).toBe(204);
    const audit = await call(cp.url, 'GET', '/v1/audit?limit=100', { key: auditor });
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ type: 'shadow_report.view_link_revoked', actor: `key:${tenant.keyId}`, streamId: expect.stringContaining(link.linkId) }),
    );
  });

  it('then opens nothing, and answers exactly as an unknown link does (no oracle)', async () => {
    const link = await issue();
    expect((await revoke(link.linkId, tenant.key)).status).toBe(204);
    const unknown = `thoth_vl.${tenant.tenantId}.${randomUUID()}.${randomBytes(32).toString('base64url')}`;
    const revokedAnswer = await refusal(await openPage(link.token));
    expect(revokedAnswer).toMatchObject({ status: 401, body: { code: 'view_link.invalid', type: 'urn:thoth:problem:view_link.invalid' } });
    expect(revokedAnswer).toEqual(await refusal(await openPage(unknown)));
  });

  it('revoking one link leaves the others open; a link revoked twice or unknown is not found', async () => {
    const [kept, gone] = [await issue(), await issue()];
    expect((await revoke(gone.linkId, tenant.key)).status).toBe(204);
    expect((await openPage(kept.token)).status).toBe(200);
    const again = await revoke(gone.linkId, tenant.key);
    expect([again.status, again.body.code]).toEqual([404, 'view_link.not_found']);
    const never = await revoke(randomUUID(), tenant.key);
    expect([never.status, never.body.code]).toEqual([404, 'view_link.not_found']);
  });

  it("another tenant revokes nothing of this one's, through the API or in Postgres (the app may now delete links, under RLS)", async () => {
    const link = await issue();
    const other = await signUp(cp.url, 'Other Inc');
    const viaApi = await revoke(link.linkId, other.key);
    expect([viaApi.status, viaApi.body.code]).toEqual([404, 'shadow_report.not_found']);
    const deleted = await queryAsTenant(cp, other.tenantId, 'DELETE FROM shadow_report_view_links WHERE link_id = $1 RETURNING link_id', [link.linkId]);
    expect(deleted).toEqual([]);
    expect((await openPage(link.token)).status).toBe(200);
  });
});
