import { generateApiKey } from '@thoth/api-keys';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyAuthenticator } from './authenticate.js';
import { startLedgerApi, type LedgerApi } from './ledger-api.js';
import { ReadError, type LedgerReader } from './ledger-reader.js';

const TENANT = '7c0d4a52-3c8e-4c8e-9a59-0a5b2f0e9d11';
const { key, hash } = generateApiKey();
const bearer = { authorization: `Bearer ${key}` };

// The reader and the key lookup faked: what is checked here is the HTTP edge (Nest over Fastify).
const reader = {
  verifierKey: 'thoth-ledger+00000000+key',
  latest: () => Promise.reject(new ReadError('ledger.no_checkpoint', 'no signed checkpoint yet')),
  inclusionProof: (tenantId: string, decisionId: string, size?: number) => Promise.resolve({ tenantId, decisionId, size }),
  evidenceBundle: () => Promise.reject(new ReadError('ledger.decision_not_found', 'No such decision')),
  consistencyProof: (tenantId: string, from: number, to: number) => Promise.resolve({ tenantId, from, to }),
} as unknown as LedgerReader;
const auth = new ApiKeyAuthenticator({
  query: <Row>(_text: string, params?: unknown[]) => Promise.resolve((params?.[0] === hash ? [{ key_id: 'k1', tenant_id: TENANT, role: 'auditor', revoked_at: null }] : []) as Row[]),
});

describe('the ledger API over HTTP', () => {
  let api: LedgerApi;
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${api.url}${path}`, init);
    return { status: response.status, type: response.headers.get('content-type'), challenge: response.headers.get('www-authenticate'), text: await response.text() };
  };

  beforeAll(async () => {
    api = await startLedgerApi(reader, auth, pino({ level: 'silent' }), { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers indented application/json; liveness and the verifier key need no key', async () => {
    expect(await call('/healthz')).toMatchObject({ status: 200, type: 'application/json', text: '{\n  "status": "ok"\n}' });
    expect(await call('/v1/verifier-key')).toMatchObject({ status: 200, type: 'application/json', text: JSON.stringify({ verifierKey: reader.verifierKey }, null, 2) });
    expect(JSON.parse((await call('/v1/decisions/a%2Fb/inclusion-proof?size=3', { headers: bearer })).text)).toEqual({ tenantId: TENANT, decisionId: 'a/b', size: 3 });
  });

  it('types problems urn:thoth:problem:<code>, as the control plane does', async () => {
    const { status, type, text } = await call('/v1/checkpoint', { headers: bearer });
    expect({ status, type }).toEqual({ status: 404, type: 'application/problem+json' });
    expect(JSON.parse(text)).toEqual({ type: 'urn:thoth:problem:ledger.no_checkpoint', status: 404, code: 'ledger.no_checkpoint', title: 'no signed checkpoint yet' });
  });

  it('serves GET only (405 before the key), then wants a key before any route answers, even no route', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const answer = await call('/v1/checkpoint', { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{not json' } : {}) });
      expect(answer, method).toMatchObject({ status: 405, text: expect.stringContaining('"code":"http.method_not_allowed"') });
    }
    for (const path of ['/v1/checkpoint', '/v1/nowhere', '/', '/v1/decisions/%E0%A4%A/evidence']) {
      expect(await call(path), path).toMatchObject({ status: 401, challenge: 'Bearer realm="thoth"', text: expect.stringContaining('"code":"auth.missing_key"') });
    }
    expect(JSON.parse((await call('/v1/nowhere', { headers: bearer })).text)).toMatchObject({ status: 404, code: 'http.not_found', title: 'No route for /v1/nowhere' });
    expect(JSON.parse((await call('/v1/decisions/%E0%A4%A/evidence', { headers: bearer })).text)).toMatchObject({ status: 400, code: 'http.bad_path' });
    expect(JSON.parse((await call('/v1/consistency-proof?from=x&to=2', { headers: bearer })).text)).toMatchObject({ status: 400, code: 'http.bad_query' });
  });
});
