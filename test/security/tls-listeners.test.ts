// Transport security (issue 15, "Trust between the parts"; docs/security.md, "Transport security (TLS)").
// Attack: whoever can reach a listener talks to it in plaintext (reads and forges what passes: API
// keys, enforcer and agent tokens, decisions), or with a certificate of a CA of their own; and an
// enforcer that holds a valid token but no certificate of ours subscribes to a tenant's config.
// Every listener runs here with TLS from the development CA (infra/local/tls.sh) and asks for client
// certificates of it: the control plane's API and config stream, an enforcer's Decide, the ledger
// API. Per listener: a client of the dev CA is served; a plaintext client, a client presenting no
// certificate or one of another CA, and a client that does not trust the dev CA all fail.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from '../../apps/control-plane/node_modules/pino/pino.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { createAppLoginRole, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';
import { InProcessDecisionLog } from '../../apps/enforcer/src/emit/in-process-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../apps/enforcer/src/enforcer.js';
import { ApiKeyAuthenticator } from '../../apps/ledger/src/api/authenticate.js';
import { startLedgerApi, type LedgerApi } from '../../apps/ledger/src/api/ledger-api.js';
import { LedgerReader } from '../../apps/ledger/src/api/ledger-reader.js';
import { ThothClient } from '../../libs/sdk/src/client/thoth-client.js';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey } from '../../libs/snapshot/src/index.js';
import { otherCaTls, testTls, type TestTls } from '../../libs/testing/src/tls.js';
import { secureServerOptions, type ListenerTls } from '../../libs/tls/src/index.js';
import { agentClient, channelCredentials, POLICY_V1, waitFor } from '../integration/enforcers/harness.js';

type Injectable = { inject(options: { method: string; url: string; headers?: Record<string, string>; payload?: unknown }): Promise<{ statusCode: number; body: string }> };
type PemOptions = { ca?: string; cert?: string; key?: string };

/** One GET over a real socket; resolves with the status, rejects when the connection fails. */
function get(url: string, tls: PemOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const request = send(url, { ...tls, agent: false, servername: 'localhost', timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });
}

describe('attack: reach a TLS listener in plaintext, without a certificate of ours, or with another CA’s', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-tls-listeners-'));
  let dev: TestTls;
  let other: TestTls;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let cp: ControlPlane;
  let ledger: LedgerApi;
  const enforcers: RunningEnforcer[] = [];
  let tenantId: string;
  let agentToken: string;
  let adminKey: string;
  let publicKey: string;

  const api = async (method: string, url: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => {
    const answer = await (cp.app.getHttpAdapter().getInstance() as Injectable).inject({
      method,
      url,
      headers: { ...(adminKey ? { authorization: `Bearer ${adminKey}` } : {}), ...options.headers },
      ...(options.body !== undefined ? { payload: options.body } : {}),
    });
    if (answer.statusCode >= 300) throw new Error(`${method} ${url}: ${answer.statusCode} ${answer.body}`);
    return JSON.parse(answer.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  };

  /** An enforcer process of the tenant's, with a valid token, reaching the config stream with `channel`. */
  const enforcer = async (name: string, channel: ReturnType<typeof channelCredentials>) => {
    const registered = await api('POST', '/v1/enforcers', { body: { name } });
    const warnings: Array<{ err?: { code?: unknown }; msg: string | undefined }> = [];
    const started = await startEnforcer({
      enforcerId: `${name}-pod`,
      listen: { host: '127.0.0.1', port: 0, tls: secureServerOptions({ cert: dev.cert, key: dev.key, clientCa: dev.ca }) },
      trustedKeys: keyring([verifierFromPublicKey(publicKey)]),
      signer: signerFromSeed(generateSigningKey()),
      decisionLog: new InProcessDecisionLog({ capacity: 1_000 }),
      controlPlane: { address: cp.grpcAddress!, token: registered['token'] as string, credentials: channel, heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 300 } },
      logger: { info: () => {}, error: () => {}, warn: (object, msg) => warnings.push({ ...(object as { err?: { code?: unknown } }), msg }) },
    });
    enforcers.push(started);
    return { enforcer: started, warnings, seen: async () => ((await api('GET', '/v1/enforcers')).items as Array<{ name: string; lastSeenAt: string | null }>).find((e) => e.name === name)?.lastSeenAt ?? null };
  };

  beforeAll(async () => {
    [dev, other] = await Promise.all([testTls('tls-listeners'), otherCaTls()]);
    const mutual: ListenerTls = { cert: dev.cert, key: dev.key, clientCa: dev.ca };
    role = await createAppLoginRole();
    cp = await startControlPlane(role.url, {
      http: { host: '127.0.0.1', port: 0, tls: mutual },
      distribution: { grpc: { host: '127.0.0.1', port: 0, tls: mutual }, signingKey: generateSigningKey(), keyFile: join(dataDir, 'snapshot-signing.key') },
    });
    ledger = await startLedgerApi(new LedgerReader(cp.database.sql, 'thoth-ledger+00000000+key'), new ApiKeyAuthenticator(cp.database.sql), pino({ level: 'silent' }), {
      host: '127.0.0.1',
      port: 0,
      tls: mutual,
    });
    const signedUp = await api('POST', '/v1/tenants', { body: { name: 'Encrypted', email: 'ops@encrypted.test' } });
    tenantId = signedUp['tenant'].id;
    adminKey = signedUp['apiKey'].key;
    agentToken = (await api('POST', '/v1/agents', { body: { name: 'crm-agent' } }))['token'];
    await api('PUT', '/v1/policy', { body: { source: POLICY_V1 }, headers: { 'if-none-match': '*' } });
    publicKey = (await api('GET', '/v1/distribution/public-key'))['publicKey'];
  });
  afterAll(async () => {
    for (const e of enforcers) await e.stop({ drainTimeoutMs: 100 });
    await ledger?.close();
    await cp?.close();
    await role?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the control plane API and the ledger API: served to a client of the dev CA, refused to plaintext, to no or another CA’s certificate, and unverifiable to a client of another CA', async () => {
    expect(cp.url).toMatch(/^https:\/\//);
    expect(ledger.url).toMatch(/^https:\/\//);
    for (const url of [`${cp.url}/v1/distribution/public-key`, `${ledger.url}/v1/checkpoint`]) {
      const served = await get(url, { ca: dev.ca, cert: dev.cert, key: dev.key });
      expect([200, 401], url).toContain(served); // the ledger asks for an API key: the request reached it
      await expect(get(url.replace(/^https:/, 'http:'), {}), `${url} in plaintext`).rejects.toThrow();
      await expect(get(url, { ca: dev.ca }), `${url} without a client certificate`).rejects.toThrow();
      await expect(get(url, { ca: dev.ca, cert: other.cert, key: other.key }), `${url} with another CA's certificate`).rejects.toThrow();
      await expect(get(url, { ca: other.ca, cert: dev.cert, key: dev.key }), `${url} trusting another CA`).rejects.toThrow(/self.signed|unable to (get|verify)/);
    }
  });

  it('the config stream: an enforcer with a valid token but no certificate, or another CA’s, is refused; one of the dev CA subscribes', async () => {
    const trusted = await enforcer('edge-trusted', channelCredentials({ ca: dev.ca, cert: dev.cert, key: dev.key }));
    const bare = await enforcer('edge-no-certificate', channelCredentials({ ca: dev.ca }));
    const rogue = await enforcer('edge-other-ca', channelCredentials({ ca: dev.ca, cert: other.cert, key: other.key }));
    await waitFor('the trusted enforcer to activate its tenant’s snapshot', () => trusted.enforcer.ready());
    await waitFor('the control plane to record the trusted enforcer', async () => (await trusted.seen()) !== null);
    for (const refused of [bare, rogue]) {
      // Each has tried (and failed) more than once by now, with backoff of at most 300 ms.
      await waitFor(`${refused.enforcer.enforcerId} to fail twice`, () => refused.warnings.filter((w) => w.msg === 'config stream failed').length >= 2);
      expect(refused.warnings.filter((w) => w.msg === 'config stream failed').map((w) => w.err?.code)).toContain('UNAVAILABLE');
      expect(refused.enforcer.status()).toMatchObject({ connected: false, tenants: 0 });
      expect(await refused.seen(), `${refused.enforcer.enforcerId} was never seen by the control plane`).toBeNull();
    }
  });

  it('an enforcer’s Decide: answered to an agent with a certificate of the dev CA, refused to plaintext, to another CA’s certificate, and unverifiable to a client of another CA', async () => {
    const edge = enforcers[0]!;
    await waitFor('the enforcer to be ready', () => edge.ready());
    const agent = (tls?: PemOptions & { ca: string }) => agentClient(edge.address, { tenantId, agentId: 'crm-agent', token: agentToken }, channelCredentials(tls));
    const clients = {
      trusted: agent({ ca: dev.ca, cert: dev.cert, key: dev.key }),
      plaintext: agent(),
      noCertificate: agent({ ca: dev.ca }),
      otherCa: agent({ ca: dev.ca, cert: other.cert, key: other.key }),
      trustsOtherCa: agent({ ca: other.ca, cert: dev.cert, key: dev.key }),
    };
    try {
      const answer = await clients.trusted.decide({ tool: 'crm.read_contacts' });
      expect(answer.decisionId).not.toBe('');
      // The SDK, given the CA and the agent's certificate.
      const sdk = new ThothClient({ address: edge.address, tenantId, agentId: 'crm-agent', agentToken, tls: { ca: dev.ca, cert: dev.cert, key: dev.key }, deadlineMs: 10_000 });
      try {
        expect((await sdk.decide({ tool: 'crm.read_contacts' })).decisionId).not.toBe('');
      } finally {
        sdk.close();
      }
      for (const [name, client] of Object.entries(clients).filter(([name]) => name !== 'trusted')) {
        await expect(client.decide({ tool: 'crm.read_contacts' }), name).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      }
    } finally {
      for (const client of Object.values(clients)) client.close();
    }
  });
});
