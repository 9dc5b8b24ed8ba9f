import { pino } from '../../apps/control-plane/node_modules/pino/pino.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { ApiKeyAuthenticator } from '../../apps/ledger/src/api/authenticate.js';
import { startLedgerApi, type LedgerApi } from '../../apps/ledger/src/api/ledger-api.js';
import { LedgerReader } from '../../apps/ledger/src/api/ledger-reader.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';

// docs/security.md, "Rate limits before authentication and per tenant": an address that floods the
// control plane or the ledger API with bad keys is refused (429 rate_limited, Retry-After) before
// any key is looked up; other addresses are not; an IPv6 host counts with its /64; and once
// authenticated, a tenant's keys share one bucket.

const PER_ADDRESS = 5;
const BAD_KEY = 'Bearer thoth_sk_not-a-key-at-all';

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let tenantCp: ControlPlane;
let ledger: LedgerApi;
let admin: string;
let lookups = 0;

beforeAll(async () => {
  role = await createAppLoginRole();
  // A fixed clock: no token comes back during the test.
  const clock = new FixedClock(new Date('2026-04-06T00:00:00Z'));
  cp = await startControlPlane(role.url, { rateLimit: { perTenantPerMinute: 10_000, anonymousPerMinute: 10_000, perAddressPerMinute: PER_ADDRESS } }, clock);
  tenantCp = await startControlPlane(role.url, { rateLimit: { perTenantPerMinute: 3, anonymousPerMinute: 10_000, perAddressPerMinute: 10_000 } });
  // The ledger's API key lookup, on the same database, counted.
  const counted = {
    query: <Row extends Record<string, unknown>>(text: string, params?: unknown[]) => {
      lookups++;
      return cp.database.sql.query<Row>(text, params);
    },
  };
  ledger = await startLedgerApi(new LedgerReader(cp.database.sql, 'thoth-ledger+00000000+key'), new ApiKeyAuthenticator(counted), pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 }, {
    perAddressPerMinute: PER_ADDRESS,
    perTenantPerMinute: 3,
  });
  ({ key: admin } = await signUp(tenantCp.url, 'Flooded Inc'));
});
afterAll(async () => {
  await ledger?.close();
  await tenantCp?.close();
  await cp?.close();
  await role?.drop();
});

type Injectable = { inject(options: { method: string; url: string; headers?: Record<string, string>; remoteAddress?: string }): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }> };
const injector = (app: { getHttpAdapter(): { getInstance(): unknown } }): Injectable => app.getHttpAdapter().getInstance() as Injectable;

async function from(target: Injectable, remoteAddress: string, url: string, authorization = BAD_KEY) {
  const answer = await target.inject({ method: 'GET', url, headers: { authorization }, remoteAddress });
  return { status: answer.statusCode, retryAfter: answer.headers['retry-after'], code: (JSON.parse(answer.body) as { code?: string }).code };
}

describe.each([
  ['the control plane', () => injector(cp.app), '/v1/tenant'],
  ['the ledger API', () => injector(ledger.app), '/v1/checkpoint'],
])('%s flooded with bad keys from one address', (_name, target, url) => {
  it('refuses the address with 429 rate_limited and Retry-After before looking at the key; another address is served', async () => {
    const flood = [];
    for (let i = 0; i < PER_ADDRESS + 3; i++) flood.push(await from(target(), '198.51.100.7', url));
    expect(flood.slice(0, PER_ADDRESS).map((a) => a.status)).toEqual(new Array(PER_ADDRESS).fill(401));
    for (const refused of flood.slice(PER_ADDRESS)) {
      expect([refused.status, refused.code]).toEqual([429, 'rate_limited']);
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // A well-formed key is not even looked up once the address is limited.
    const before = lookups;
    const real = await from(target(), '198.51.100.7', url, `Bearer ${admin}`);
    expect([real.status, real.code, lookups - before]).toEqual([429, 'rate_limited', 0]);
    expect((await from(target(), '198.51.100.8', url)).status).toBe(401);
  });

  it('counts an IPv6 host by its /64: another address of the /64 is refused, the next /64 is served', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) expect((await from(target(), `2001:db8:7:1::${i + 1}`, url)).status).toBe(401);
    expect((await from(target(), '2001:db8:7:1:ffff:ffff:ffff:fffe', url)).status).toBe(429);
    expect((await from(target(), '2001:db8:7:2::1', url)).status).toBe(401);
  });
});

describe('a tenant spreads its calls over several API keys', () => {
  it('the control plane counts the tenant, not the key: its keys share one bucket, another tenant is served', async () => {
    const auditor = (await call(tenantCp.url, 'POST', '/v1/api-keys', { key: admin, body: { name: 'second', role: 'auditor' } })).body.key as string;
    const statuses = [];
    for (const key of [admin, auditor, auditor]) statuses.push((await call(tenantCp.url, 'GET', '/v1/tenant', { key })).status);
    // Three a minute for the tenant: the key's issue, then the admin's and the auditor's reads; the auditor's next is refused.
    expect(statuses).toEqual([200, 200, 429]);
    const other = await signUp(tenantCp.url, 'Quiet Inc');
    expect((await call(tenantCp.url, 'GET', '/v1/tenant', { key: other.key })).status).toBe(200);
  });

  it('the ledger API counts the tenant once its key is authenticated', async () => {
    const auditor = (await call(tenantCp.url, 'POST', '/v1/api-keys', { key: (await signUp(tenantCp.url, 'Ledger Reader Inc')).key, body: { name: 'evidence', role: 'auditor' } })).body.key as string;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await from(injector(ledger.app), `203.0.113.${i + 1}`, '/v1/checkpoint', `Bearer ${auditor}`)).status);
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);
  });
});
