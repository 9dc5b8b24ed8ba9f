// Shared by the credential-governance tests: the real control plane's tenant, seen from an
// enforcer on its config stream that publishes its decisions to the real Kafka broker.
import type { Tracer } from '@opentelemetry/api';
import type { EnforcerConfig } from '@thoth/contracts';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey, type Signer } from '@thoth/snapshot';
import { testKafkaConnection } from '@thoth/testing';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ControlPlane } from '../../../apps/control-plane/src/control-plane.js';
import { SnapshotCache } from '../../../apps/control-plane/src/distribution/index.js';
import { call, signUp } from '../../../apps/control-plane/test/integration/support/control-plane.js';
import { KafkaDecisionLog } from '../../../apps/enforcer/src/emit/kafka-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { waitFor } from '../enforcers/harness.js';

/** Registers each agent by name; returns their ids and tokens. */
export async function registerAgents(cp: ControlPlane, key: string, names: readonly string[]): Promise<Record<string, { id: string; token: string }>> {
  const agents: Record<string, { id: string; token: string }> = {};
  for (const name of names) {
    const registered = await call(cp.url, 'POST', '/v1/agents', { key, body: { name } });
    expect(registered.status).toBe(201);
    agents[name] = { id: registered.body.agent.id, token: registered.body.token };
  }
  return agents;
}

/** Publishes the tenant's first policy. */
export async function publishFirstPolicy(cp: ControlPlane, key: string, source: string): Promise<void> {
  expect((await call(cp.url, 'PUT', '/v1/policy', { key, body: { source }, headers: { 'if-none-match': '*' } })).status).toBe(200);
}

/** The token of the CRM credential of `crmTenant`, as its agent holds it. */
export const CRM_TOKEN = 'crm-oauth-token';
export const CRM_FINGERPRINT = createHash('sha256').update(CRM_TOKEN).digest('hex');
/** crm-agent's everyday call: what its baselines are learned from, unless a test says otherwise. */
export const USUAL_CRM_CALL = {
  tool: 'crm.read_contacts',
  resource: 'crm/contacts/17',
  credentialFingerprint: CRM_FINGERPRINT,
  source: { ip: '10.20.1.9', region: 'eu-west-1' },
} as const;

/**
 * A signed-up tenant with two agents, crm-agent and report-agent, the CRM credential linked to
 * crm-agent only, and `policy` published.
 */
export async function crmTenant(cp: ControlPlane, name: string, policy: string): Promise<{ tenantId: string; key: string; agents: Record<string, { id: string; token: string }> }> {
  const tenant = await signUp(cp.url, name);
  const agents = await registerAgents(cp, tenant.key, ['crm-agent', 'report-agent']);
  const credential = await call(cp.url, 'POST', '/v1/credentials', {
    key: tenant.key,
    body: { name: 'Salesforce prod', kind: 'oauth_token', provider: 'salesforce', token: CRM_TOKEN, agentIds: [agents['crm-agent']!.id] },
  });
  expect(credential.status).toBe(201);
  await publishFirstPolicy(cp, tenant.key, policy);
  return { ...tenant, agents };
}

/**
 * Registers an enforcer for the tenant and starts it in this process, trusting the control
 * plane's published key, on its config stream, sending decisions to `topic`. `clock`: the
 * enforcer's time, when the test moves it (then the stream's server timeout, and the enforcer's
 * maximum staleness, are as long as the test's jumps, so that a jump is not taken for a silent server).
 * `name`: the enforcer's name and id (default `edge-1`), for a tenant with several.
 */
export async function startEdgeEnforcer(
  cp: ControlPlane,
  key: string,
  options: { topic: string; signer?: Signer; clock?: () => number; serverTimeoutMs?: number; name?: string; tracer?: Tracer },
): Promise<RunningEnforcer> {
  const name = options.name ?? 'edge-1';
  const token = (await call(cp.url, 'POST', '/v1/enforcers', { key, body: { name } })).body.token as string;
  const publicKey = (await call(cp.url, 'GET', '/v1/distribution/public-key')).body.publicKey as string;
  return startEnforcer({
    enforcerId: name,
    listen: { host: '127.0.0.1', port: 0 },
    trustedKeys: keyring([verifierFromPublicKey(publicKey)]),
    signer: options.signer ?? signerFromSeed(generateSigningKey()),
    decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic: options.topic, bufferSize: 100_000, ...(options.tracer ? { tracer: options.tracer } : {}) }),
    controlPlane: {
      address: cp.grpcAddress!,
      token,
      heartbeatIntervalMs: 200,
      ...(options.serverTimeoutMs !== undefined ? { serverTimeoutMs: options.serverTimeoutMs } : {}),
      backoff: { initialMs: 50, maxMs: 500 },
    },
    ...(options.serverTimeoutMs !== undefined ? { maxStalenessMs: options.serverTimeoutMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
}

/**
 * Follows the tenant's rollouts: each call waits for a snapshot newer than the last one it saw
 * that shows the change just made (`shows`: one change, such as learning two baselines, may be
 * published as several snapshots), then for the enforcer to activate it; returns what was published.
 */
export function rollouts(cp: ControlPlane, tenantId: string, enforcer: RunningEnforcer): (shows?: (config: EnforcerConfig) => boolean) => Promise<EnforcerConfig> {
  let published = 0n;
  return async (shows = () => true) => {
    const snapshot = await waitFor(`a snapshot after version ${published} that shows the change`, () => {
      const s = cp.app.get(SnapshotCache).get(tenantId);
      return s !== undefined && s.version > published && shows(s.config) ? s : undefined;
    });
    published = snapshot.version;
    await waitFor(`the enforcer to activate config ${snapshot.version}`, () => (enforcer.store.get(tenantId)?.version ?? 0n) >= snapshot.version);
    return snapshot.config;
  };
}

/**
 * The control plane's settings in these tests: its config stream on a free port, snapshots
 * signed with `signingKey`, decisions read from `topic` by a consumer group of its own.
 */
/** `receiptKeysTopic`: where the control plane publishes the signed receipt key directory a ledger of the test reads. */
export function edgeControlPlaneConfig(options: { dataDir: string; signingKey: string; topic: string; group: string; receiptKeysTopic?: string }) {
  return {
    distribution: {
      grpc: { host: '127.0.0.1', port: 0 },
      signingKey: options.signingKey,
      keyFile: join(options.dataDir, 'snapshot-signing.key'),
      ...(options.receiptKeysTopic ? { receiptKeys: { connection: testKafkaConnection(), topic: options.receiptKeysTopic } } : {}),
    },
    decisions: { kafka: { connection: testKafkaConnection(), topic: options.topic, groupId: `${options.group}-${randomBytes(4).toString('hex')}`, sessionTimeoutMs: 10_000 } },
  };
}
