// Receipt keys announced on the config stream: a real control plane (Postgres, its gRPC config
// stream) records the key of each enforcer process that connects, as an event of the enforcer,
// and GET /v1/enforcers/{id} shows it; a restart with a new key adds it and keeps the old one;
// an announcement proved for another registration is refused and recorded nowhere.
import { Client, credentials } from '@grpc/grpc-js';
import { ConfigDistribution } from '@thoth/contracts';
import { createClient, type GrpcError } from '@thoth/grpc';
import { announceReceiptKey, generateSigningKey, keyring, publicKeyBase64, signerFromSeed, verifierFromPublicKey, verifyReceipt, type Signer } from '@thoth/snapshot';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../../apps/control-plane/src/control-plane.js';
import { call, createAppLoginRole, signUp, startControlPlane } from '../../../apps/control-plane/test/integration/support/control-plane.js';
import { InProcessDecisionLog } from '../../../apps/enforcer/src/emit/in-process-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { registerAgents, publishFirstPolicy } from '../credential-governance/governed-edge.js';
import { agentClient, POLICY_V1, waitFor } from './harness.js';

interface ReceiptKeyView {
  keyId: string;
  publicKey: string;
  instanceId: string;
  announcedAt: string;
}

describe('receipt keys announced on the config stream', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-receipt-keys-'));
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let cp: ControlPlane;
  let tenant: { tenantId: string; key: string };
  let agent: { id: string; token: string };
  const running: RunningEnforcer[] = [];

  beforeAll(async () => {
    role = await createAppLoginRole();
    cp = await startControlPlane(role.url, {
      distribution: { grpc: { host: '127.0.0.1', port: 0 }, signingKey: generateSigningKey(), keyFile: join(dataDir, 'snapshot-signing.key') },
    });
    tenant = await signUp(cp.url, 'Keyed');
    agent = (await registerAgents(cp, tenant.key, ['crm-agent']))['crm-agent']!;
    await publishFirstPolicy(cp, tenant.key, POLICY_V1);
  });
  afterAll(async () => {
    for (const enforcer of running) await enforcer.stop({ drainTimeoutMs: 100 });
    await cp?.close();
    await role?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const register = async (name: string) => {
    const registered = await call(cp.url, 'POST', '/v1/enforcers', { key: tenant.key, body: { name } });
    expect(registered.status).toBe(201);
    return { id: registered.body.enforcer.id as string, token: registered.body.token as string };
  };
  const keysOf = async (id: string): Promise<ReceiptKeyView[]> => (await call(cp.url, 'GET', `/v1/enforcers/${id}`, { key: tenant.key })).body.receiptKeys;
  const start = async (instanceId: string, token: string, signer: Signer) => {
    const publicKey = (await call(cp.url, 'GET', '/v1/distribution/public-key')).body.publicKey as string;
    const enforcer = await startEnforcer({
      enforcerId: instanceId,
      listen: { host: '127.0.0.1', port: 0 },
      trustedKeys: keyring([verifierFromPublicKey(publicKey)]),
      signer,
      decisionLog: new InProcessDecisionLog({ capacity: 1_000 }),
      controlPlane: { address: cp.grpcAddress!, token, heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
    });
    running.push(enforcer);
    return enforcer;
  };

  it('records each process’s key; a restart with a new key adds it and keeps the old; decisions verify with the keys the API shows', async () => {
    const edge = await register('edge-1');
    const first = signerFromSeed(generateSigningKey());
    const enforcer = await start('edge-1-pod-a', edge.token, first);
    const keys = await waitFor('the first key recorded', async () => ((await keysOf(edge.id)).length === 1 ? keysOf(edge.id) : undefined));
    expect(keys).toEqual([{ keyId: first.keyId, publicKey: publicKeyBase64(first), instanceId: 'edge-1-pod-a', announcedAt: expect.any(String) }]);

    // A decision of this process verifies with the key the control plane recorded for it.
    await waitFor('the snapshot', () => enforcer.ready());
    const crm = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'crm-agent', token: agent.token });
    const answer = await crm.decide({ tool: 'crm.read_contacts' }, agent.token);
    crm.close();
    const directory = keyring(keys.map((k) => verifierFromPublicKey(k.publicKey)));
    expect(answer.receipt).toMatchObject({ keyId: first.keyId, enforcerId: 'edge-1-pod-a', receiptVersion: 3 });
    expect(verifyReceipt(answer.receipt!, directory)).toEqual({ ok: true });

    // Restarted with a new key: both are the enforcer's, the old one for what it signed.
    await enforcer.stop({ drainTimeoutMs: 100 });
    const second = signerFromSeed(generateSigningKey());
    await start('edge-1-pod-a', edge.token, second);
    const rotated = await waitFor('the second key recorded', async () => {
      const now = await keysOf(edge.id);
      return now.length === 2 ? now : undefined;
    });
    expect(rotated.map((k) => [k.keyId, k.instanceId])).toEqual([
      [first.keyId, 'edge-1-pod-a'],
      [second.keyId, 'edge-1-pod-a'],
    ]);
    // Events of the enforcer, in the tenant's audit trail; the reconnects added none.
    const audit = await call(cp.url, 'GET', '/v1/audit?limit=500', { key: tenant.key });
    const announced = (audit.body.items as { type: string; streamId: string; actor: string }[]).filter((e) => e.type === 'enforcer.receipt_key_announced');
    expect(announced).toEqual([
      expect.objectContaining({ streamId: `enforcer-${edge.id}`, actor: `enforcer:${edge.id}` }),
      expect.objectContaining({ streamId: `enforcer-${edge.id}`, actor: `enforcer:${edge.id}` }),
    ]);
  });

  it('refuses the stream of an announcement proved for another registration, and records it nowhere', async () => {
    const victim = await register('edge-victim');
    const attacker = await register('edge-attacker');
    const victimKey = signerFromSeed(generateSigningKey());
    const channel = new Client(cp.grpcAddress!, credentials.createInsecure());
    const client = createClient(ConfigDistribution, channel);
    const hello = async (token: string, receiptKey: ReturnType<typeof announceReceiptKey>) => {
      const stream = client.subscribe();
      await stream.send({ kind: { case: 'hello', value: { enforcerId: 'pod-x', enforcerToken: token, receiptKey } } });
      return stream[Symbol.asyncIterator]()
        .next()
        .then(
          () => {
            stream.cancel();
            return 'OK';
          },
          (e: unknown) => (e as GrpcError).code,
        );
    };
    // The victim's key and its proof, replayed on the attacker's stream; the victim's public key with the attacker's proof.
    expect(await hello(attacker.token, announceReceiptKey(victimKey, victim.token, 'pod-x'))).toBe('INVALID_ARGUMENT');
    const mine = signerFromSeed(generateSigningKey());
    expect(await hello(attacker.token, { publicKey: victimKey.publicKey, proof: announceReceiptKey(mine, attacker.token, 'pod-x').proof })).toBe('INVALID_ARGUMENT');
    // The attacker's own key goes through, proving the stream itself was fine.
    expect(await hello(attacker.token, announceReceiptKey(mine, attacker.token, 'pod-x'))).toBe('OK');
    channel.close();
    await waitFor('the attacker’s own key recorded', async () => ((await keysOf(attacker.id)).length > 0 ? true : undefined));
    expect((await keysOf(attacker.id)).map((k) => k.keyId)).toEqual([mine.keyId]);
    expect(await keysOf(victim.id)).toEqual([]);
  });
});
