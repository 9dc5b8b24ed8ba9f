import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Effect } from '../../libs/contracts/src/index.js';
import { generateSigningKey } from '../../libs/snapshot/src/index.js';
import { createTestDatabase, dropTestDatabase, testTls, type TestTls } from '../../libs/testing/src/index.js';
import { agentClient, channelCredentials, waitFor, type AgentClient } from '../integration/enforcers/harness.js';
import { call, controlPlaneTlsEnv, enforcerTlsEnv, ok, Proc, trustCa } from './enforcers.support.js';
import { noDropsRules, policyYaml } from '../../libs/testing/src/policy-yaml.js';

// Two control-plane replicas on one database: a policy published through one reaches an
// enforcer streaming from the other (LISTEN/NOTIFY, not shared memory), and both replicas
// publish the same snapshot version for the same events; a decommission through one ends the
// enforcer's live stream on the other at once, and its token opens no stream anywhere. Every
// listener serves TLS (development CA), the config stream mutual TLS.
const POLICY = (extra: string) => policyYaml('p', 1, `${noDropsRules()}${extra}`);

describe('config distribution across control-plane replicas', () => {
  const serverUrl = inject('thoth.serverUrl');
  const databaseName = `thoth_test_${inject('thoth.runId')}_rep_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-e2e-replicas-'));
  const signingKey = generateSigningKey();
  const replicas: Array<{ proc: Proc; api: string; grpc: string }> = [];
  let enforcer: Proc;
  let agent: AgentClient;
  let key: string;
  let tls: TestTls;

  const startReplica = async (name: string, databaseUrl: string, migrate: boolean) => {
    const proc = Proc.start(name, 'apps/control-plane/src/main.ts', {
      DATABASE_URL: databaseUrl,
      THOTH_MIGRATE: String(migrate),
      THOTH_DATA_DIR: dataDir,
      THOTH_HTTP_PORT: '0',
      THOTH_GRPC_PORT: '0',
      THOTH_SNAPSHOT_SIGNING_KEY: signingKey,
      THOTH_RATE_LIMIT_PER_MINUTE: '100000',
      ...controlPlaneTlsEnv(tls),
    });
    const listening = await proc.logged('control plane listening');
    replicas.push({ proc, api: String(listening['url']), grpc: String(listening['grpc']) });
  };
  const snapshotOf = async (api: string) => (await ok(call(api, 'GET', '/v1/distribution/snapshot', { key }))).body as { version: number; policyVersion: number };

  beforeAll(async () => {
    tls = await testTls('e2e-replicas');
    trustCa(tls.ca);
    const databaseUrl = await createTestDatabase(serverUrl, databaseName);
    await startReplica('replica a', databaseUrl, true);
    await startReplica('replica b', databaseUrl, false);
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];

    const signedUp = await ok(call(a.api, 'POST', '/v1/tenants', { body: { name: 'Acme', email: 'ops@acme.test' } }), 201);
    key = signedUp.body.apiKey.key;
    await ok(call(a.api, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'enforce' } }));
    const registered = await ok(call(a.api, 'POST', '/v1/agents', { key, body: { name: 'crm-agent' } }), 201);
    const enforcerToken = (await ok(call(a.api, 'POST', '/v1/enforcers', { key, body: { name: 'edge-b' } }), 201)).body.token as string;
    const publicKey = (await ok(call(b.api, 'GET', '/v1/distribution/public-key'))).body.publicKey as string;
    await ok(call(a.api, 'PUT', '/v1/policy', { key, body: { source: POLICY('') }, headers: { 'if-none-match': '*' } }));

    enforcer = Proc.start('enforcer', 'apps/enforcer/src/main.ts', {
      THOTH_ENFORCER_ID: 'edge-b',
      THOTH_ENFORCER_GRPC_PORT: '0',
      THOTH_ENFORCER_HTTP_PORT: '0',
      THOTH_CONFIG_PUBLIC_KEYS: publicKey,
      THOTH_CONTROL_PLANE_GRPC: b.grpc,
      THOTH_ENFORCER_TOKEN: enforcerToken,
      ...enforcerTlsEnv(tls),
    });
    const ready = await enforcer.logged('enforcer ready to serve');
    agent = agentClient(String(ready['address']), { tenantId: signedUp.body.tenant.id, agentId: 'crm-agent', token: registered.body.token }, channelCredentials({ ca: tls.ca }));
  });

  afterAll(async () => {
    agent?.close();
    await Promise.all([enforcer?.stop(), ...replicas.map((r) => r.proc.stop())]);
    await dropTestDatabase(serverUrl, databaseName).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a policy published through one replica is activated by an enforcer on the other, at the same version', async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const acked = async (version: number) =>
      waitFor(`the enforcer to ACK ${version}`, async () => {
        const rows = (await ok(call(a.api, 'GET', '/v1/enforcers', { key }))).body.items as Array<{ activeConfig: { version: number } | null }>;
        return rows[0]?.activeConfig?.version === version;
      }, 30_000);

    const first = await snapshotOf(b.api);
    expect(first.policyVersion).toBe(1);
    await acked(first.version);
    expect((await agent.decide({ tool: 'crm.delete_contacts' })).effect).toBe(Effect.ALLOW);

    const current = await ok(call(a.api, 'GET', '/v1/policy', { key }));
    await ok(call(a.api, 'PUT', '/v1/policy', { key, body: { source: POLICY('  - {id: no-crm-deletes, match: {tools: ["crm.delete_*"]}, effect: deny}\n') }, headers: { 'if-match': current.headers.get('etag')! } }));
    const second = await waitFor('replica b to rebuild from the NOTIFY', async () => {
      const s = await snapshotOf(b.api);
      return s.policyVersion === 2 ? s : undefined;
    }, 30_000);
    expect(second.version).toBeGreaterThan(first.version);
    expect((await snapshotOf(a.api)).version).toBe(second.version);
    await acked(second.version);
    const answer = await agent.decide({ tool: 'crm.delete_contacts' });
    expect(answer.effect).toBe(Effect.DENY);
    expect(answer.policyVersion).toBe(2n);
  });

  it('decommissioned through one replica: the enforcer\'s live stream on the other ends at once, its token opens no stream, it decides on its last snapshot', async () => {
    const [a] = replicas as [(typeof replicas)[0]];
    const rows = (await ok(call(a.api, 'GET', '/v1/enforcers', { key }))).body.items as Array<{ id: string }>;
    const failures = () => enforcer.lines.filter((l) => l['msg'] === 'config stream failed' || l['msg'] === 'config stream ended').map((l) => JSON.stringify(l['err']));
    const before = failures().length;
    await ok(call(a.api, 'POST', `/v1/enforcers/${rows[0]!.id}/decommission`, { key, body: { reason: 'host retired' } }));
    // The stream to replica b ends with the reason (not after a heartbeat timeout: 30 s by default),
    // then every reconnection is refused.
    await waitFor('the live stream to end', () => failures().slice(before).some((e) => e.includes('was decommissioned')), 20_000);
    await waitFor('a reconnection to be refused', () => failures().slice(before).some((e) => e.includes('unknown or revoked enforcer token')), 20_000);
    expect((await agent.decide({ tool: 'crm.delete_contacts' })).effect).toBe(Effect.DENY);
  });
});
