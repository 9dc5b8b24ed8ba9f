// Config distribution end to end inside one process: a control plane's SnapshotCache and
// ConfigStreamServer on a real gRPC server, two enforcers subscribed to it, agents calling
// Decide over gRPC on loopback.
import { AgentStatus, Effect, RuleKind } from '@thoth/contracts';
import { HealthCheckResponse_ServingStatus, Health } from '@thoth/contracts/health';
import { Client, credentials } from '@grpc/grpc-js';
import { createClient } from '@thoth/grpc';
import { generateSigningKey, signerFromSeed, type Signer } from '@thoth/snapshot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POLICY_V1,
  POLICY_V2,
  agentClient,
  controlPlaneKey,
  startControlPlane,
  startTestEnforcer,
  tenantConfig,
  waitFor,
  type AgentClient,
  type TestControlPlane,
} from './harness.js';

const { signer, trusted } = controlPlaneKey();
// The control plane's cache signs through this test's signer, so a test can have a snapshot
// signed by an impostor: another key under the trusted key's id, a signature that does not verify.
const impostor = signerFromSeed(generateSigningKey());
let signingKey: Signer = signer;
const signing: Signer = { keyId: signer.keyId, publicKey: signer.publicKey, sign: (payload) => signingKey.sign(payload) };
const TENANT = '7e0a0000-0000-4000-8000-000000000b05';
const AGENT = { id: 'crm-agent', token: 'thoth_at_crm_agent_token' };
const TOKENS = {
  thoth_et_a: { enforcerId: 'enforcer-a', tenantIds: [TENANT] },
  thoth_et_b: { enforcerId: 'enforcer-b', tenantIds: [TENANT] },
};

describe('config push to two enforcers', () => {
  let cp: TestControlPlane;
  let enforcers: Awaited<ReturnType<typeof startTestEnforcer>>[] = [];
  let agents: AgentClient[] = [];

  beforeAll(async () => {
    cp = await startControlPlane({ signer: signing, tokens: TOKENS });
    const published = cp.cache.setSnapshot(TENANT, tenantConfig({ tenantId: TENANT, policy: POLICY_V1, agents: [AGENT] }));
    expect(published.ok).toBe(true);
    enforcers = await Promise.all(
      (['a', 'b'] as const).map((x) =>
        startTestEnforcer({
          enforcerId: `enforcer-${x}`,
          trustedKeys: trusted,
          controlPlane: { address: cp.address, token: `thoth_et_${x}`, heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
          http: { host: '127.0.0.1', port: 0 },
        }),
      ),
    );
    agents = enforcers.map((e) => agentClient(e.address, { tenantId: TENANT, agentId: AGENT.id, token: AGENT.token }));
  });

  afterAll(async () => {
    for (const a of agents) a.close();
    await Promise.all(enforcers.map((e) => e.stop({ drainTimeoutMs: 1_000 })));
    await cp?.stop();
  });

  const acked = (version: bigint) =>
    waitFor(`both enforcers to ACK version ${version}`, () =>
      enforcers.every((e) => cp.status.status(e.enforcerId, TENANT)?.activeVersion === version),
    );

  it('activates the first snapshot on both enforcers, ACKs recorded', async () => {
    await acked(1n);
    for (const e of enforcers) {
      expect(e.store.get(TENANT)?.version).toBe(1n);
      expect(e.ready()).toBe(true);
    }
    for (const agent of agents) {
      const answer = await agent.decide({ tool: 'crm.delete_contacts' });
      expect(answer.effect).toBe(Effect.ALLOW);
      expect(answer.policyVersion).toBe(1n);
      expect(answer.receipt?.configVersion).toBe(1n);
    }
  });

  it('a published policy change is activated by both and changes their decisions', async () => {
    const result = cp.cache.setSnapshot(TENANT, tenantConfig({ tenantId: TENANT, policy: POLICY_V2, policyVersion: 2n, agents: [AGENT] }));
    expect(result).toMatchObject({ ok: true, changed: true });
    await acked(2n);
    for (const agent of agents) {
      const answer = await agent.decide({ tool: 'crm.delete_contacts' });
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer.matchedRules.map((r) => r.ruleId)).toContain('no-crm-deletes');
      expect(answer.policyVersion).toBe(2n);
    }
  });

  it('an invalid policy is never published', () => {
    const result = cp.cache.setSnapshot(TENANT, tenantConfig({ tenantId: TENANT, policy: 'kind: Policy\n', agents: [AGENT] }));
    expect(result).toMatchObject({ ok: false, code: 'POLICY_INVALID' });
    expect(cp.cache.get(TENANT)?.version).toBe(2n);
  });

  it('a snapshot with a bad signature is NACKed by both; version 2 keeps serving', async () => {
    signingKey = impostor;
    const bad = cp.cache.setSnapshot(TENANT, tenantConfig({ tenantId: TENANT, policy: POLICY_V2, policyVersion: 2n, agents: [AGENT] }), { version: 3n });
    signingKey = signer;
    expect(bad).toMatchObject({ ok: true, changed: true, snapshot: { version: 3n } });
    await waitFor('both enforcers to NACK the bad snapshot', () =>
      enforcers.every((e) => cp.status.status(e.enforcerId, TENANT)?.lastNack?.version === 3n),
    );
    for (const e of enforcers) {
      const status = cp.status.status(e.enforcerId, TENANT);
      expect(status?.lastNack?.errorCode).toBe('BAD_SIGNATURE');
      expect(status?.activeVersion).toBe(2n);
      expect(e.store.get(TENANT)?.version).toBe(2n);
    }
    for (const agent of agents) {
      const answer = await agent.decide({ tool: 'crm.delete_contacts' });
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer.receipt?.configVersion).toBe(2n);
    }
  });

  it('suspending the agent denies its next call on both enforcers', async () => {
    const result = cp.cache.setSnapshot(TENANT, tenantConfig({ tenantId: TENANT, policy: POLICY_V2, policyVersion: 2n, agents: [{ ...AGENT, status: AgentStatus.SUSPENDED }] }));
    expect(result.ok).toBe(true);
    const version = result.ok ? result.snapshot.version : 0n;
    await acked(version);
    for (const agent of agents) {
      const answer = await agent.decide({ tool: 'crm.read_contacts' });
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer.matchedRules.some((r) => r.kind === RuleKind.KILL_SWITCH)).toBe(true);
    }
  });

  it('with the control plane gone both keep deciding on the last version and report staleness', async () => {
    await cp.stop();
    await waitFor('both enforcers to notice', () => enforcers.every((e) => !e.status().connected));
    const before = enforcers.map((e) => e.status().sinceContactMs ?? -1);
    await new Promise((r) => setTimeout(r, 300));
    for (const [i, e] of enforcers.entries()) {
      const status = e.status();
      expect(status.ready).toBe(true);
      expect(status.sinceContactMs).toBeGreaterThan(before[i] ?? Infinity);
      const answer = await agents[i]!.decide({ tool: 'crm.read_contacts' });
      expect(answer.effect).toBe(Effect.DENY); // still suspended: the last activated snapshot
      expect(answer.receipt?.configVersion).toBe(e.store.get(TENANT)?.version);
      const metrics = await (await fetch(`${e.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/^thoth_enforcer_config_staleness_seconds [0-9.]+$/m);
      expect(metrics).toMatch(/thoth_enforcer_control_plane_last_contact_seconds [0-9.]+/);
      const health = createClient(Health, new Client(e.address, credentials.createInsecure()));
      expect((await health.check({ service: '' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
  });

  it('reconnects to a restarted control plane, naming the versions it holds', async () => {
    const version = enforcers[0]!.store.get(TENANT)!.version;
    cp = await startControlPlane({ signer: signing, tokens: TOKENS, cache: cp.cache, port: cp.port });
    await waitFor('both enforcers to reconnect', () => enforcers.every((e) => e.status().connected), 30_000);
    // They hold the published version: nothing to push, nothing to activate.
    expect(cp.streams.stats().pushes).toBe(0);
    expect(enforcers.every((e) => e.store.get(TENANT)?.version === version)).toBe(true);
    const result = cp.cache.setSnapshot(TENANT, tenantConfig({ tenantId: TENANT, policy: POLICY_V2, policyVersion: 2n, agents: [AGENT] }));
    await acked(result.ok ? result.snapshot.version : -1n);
    for (const agent of agents) expect((await agent.decide({ tool: 'crm.read_contacts' })).effect).toBe(Effect.ALLOW);
  });
});
