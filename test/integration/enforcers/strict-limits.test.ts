// Strict limits end to end in one process (docs/fleet-state.md, "Strict limits"): a control plane's
// config distribution and lease coordinator on a real gRPC server over the run's Postgres (as the
// app's login role, under row-level security), three enforcers sharing one agent's budget.
import { Client, Metadata, Server, ServerCredentials, credentials } from '@grpc/grpc-js';
import { ConfigDistribution, Effect, type Lease, type LeaseRequestSchema } from '@thoth/contracts';
import { channelCredentials, createClient, GrpcError, serverCredentials } from '@thoth/grpc';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ConfigStreamServer,
  InMemoryEnforcerStatusSink,
  LeaseCoordinator,
  SnapshotCache,
  StaticEnforcerAuthenticator,
  StrictLimitLeaseRepository,
  leaseLimit,
} from '../../../apps/control-plane/src/distribution/index.js';
import { TenantDatabase } from '../../../apps/control-plane/src/platform/database/tenant-database.js';
import { openDatabase, strictLimitBudgets, strictLimitLeases, type DatabaseHandle } from '../../../libs/db/src/index.js';
import { policyYaml } from '../../../libs/testing/src/policy-yaml.js';
import { otherCaTls } from '../../../libs/testing/src/tls.js';
import { agentClient, controlPlaneKey, startTestEnforcer, tenantConfig, waitFor, TcpRelay, type AgentClient } from './harness.js';

const TENANT = randomUUID();
const OTHER = randomUUID();
const AGENT = { id: 'payout-agent', token: 'thoth_at_payout_agent_token' };
const LATE_AGENT = { id: 'late-agent', token: 'thoth_at_late_agent_token' };
const TLS_AGENT = { id: 'tls-agent', token: 'thoth_at_tls_agent_token' };
const STRICT = policyYaml(
  'strict',
  1,
  `limits:
  - id: payouts
    match: {tools: ["pay.*"]}
    records: 'int(args.count)'
    window: {duration: 10m, maxCalls: 50, maxRecords: 200}
    consistency: strict
  - id: reads
    match: {tools: ["crm.*"]}
    window: {duration: 10m, maxCalls: 1000}
`,
);
const TOKENS = {
  thoth_et_1: { enforcerId: 'enforcer-1', tenantIds: [TENANT] },
  thoth_et_2: { enforcerId: 'enforcer-2', tenantIds: [TENANT] },
  thoth_et_3: { enforcerId: 'enforcer-3', tenantIds: [TENANT] },
  thoth_et_late: { enforcerId: 'enforcer-late', tenantIds: [TENANT] },
  thoth_et_other: { enforcerId: 'enforcer-other', tenantIds: [OTHER] },
};
const KEY = `L\u0000payouts\u0000${TENANT}\u0000${AGENT.id}`;

/** The app's login role: a member of thoth_app that owns nothing (row-level security applies). */
async function appLoginRole(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `thoth_cp_${inject('thoth.runId')}_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const server = await openDatabase({ url: inject('thoth.serverUrl'), maxConnections: 1 });
  await server.sql.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS IN ROLE thoth_app`);
  await server.close();
  const url = new URL(inject('thoth.databaseUrl'));
  url.username = name;
  url.password = password;
  return {
    url: url.toString(),
    drop: async () => {
      const s = await openDatabase({ url: inject('thoth.serverUrl'), maxConnections: 1 });
      await s.sql.query(`DROP ROLE IF EXISTS ${name}`);
      await s.close();
    },
  };
}

const { signer, trusted } = controlPlaneKey();
let role: Awaited<ReturnType<typeof appLoginRole>>;
let handle: DatabaseHandle;
let db: TenantDatabase;
let coordinator: LeaseCoordinator;
let server: Server;
let streams: ConfigStreamServer;
let address: string;
const grantMs: number[] = [];
let enforcers: Awaited<ReturnType<typeof startTestEnforcer>>[] = [];
let agents: AgentClient[] = [];
let lease: Client;

function leaseBudget(token: string, request: MessageInitShape<typeof LeaseRequestSchema>): Promise<Lease> {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return createClient(ConfigDistribution, lease).leaseBudget(request, { metadata, deadlineMs: 10_000 });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; errorCode: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrpcError);
  const g = error as GrpcError;
  return { code: g.code, errorCode: g.metadata.get('thoth-error-code')[0] };
}

beforeAll(async () => {
  role = await appLoginRole();
  handle = await openDatabase({ url: role.url, maxConnections: 10 });
  db = new TenantDatabase(handle);
  const cache = new SnapshotCache({ signer });
  expect(cache.setSnapshot(TENANT, tenantConfig({ tenantId: TENANT, policy: STRICT, agents: [AGENT, LATE_AGENT, TLS_AGENT] })).ok).toBe(true);
  expect(cache.setSnapshot(OTHER, tenantConfig({ tenantId: OTHER, policy: STRICT, agents: [AGENT] })).ok).toBe(true);
  const repository = new StrictLimitLeaseRepository(db);
  coordinator = new LeaseCoordinator({
    strictLimit: (tenantId, limitId) => leaseLimit(cache, tenantId, limitId),
    grant: (input) => repository.grant(input),
    onGrant: (ms) => grantMs.push(ms),
  });
  streams = new ConfigStreamServer({ cache, authenticator: new StaticEnforcerAuthenticator(TOKENS), status: new InMemoryEnforcerStatusSink(), leases: coordinator, heartbeatIntervalMs: 200 });
  server = new Server();
  streams.register(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  address = `127.0.0.1:${port}`;
  lease = new Client(address, credentials.createInsecure());
  enforcers = await Promise.all(
    [1, 2, 3].map((n) =>
      startTestEnforcer({
        enforcerId: `enforcer-${n}`,
        trustedKeys: trusted,
        controlPlane: { address, token: `thoth_et_${n}`, heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
        // A loaded machine: the answer counts here, not the wait (the wait is tested below).
        leaseWaitMs: 5_000,
      }),
    ),
  );
  await waitFor('three enforcers ready', () => enforcers.every((e) => e.ready()));
  agents = enforcers.map((e) => agentClient(e.address, { tenantId: TENANT, agentId: AGENT.id, token: AGENT.token }));
});

afterAll(async () => {
  for (const a of agents) a.close();
  lease?.close();
  await Promise.all(enforcers.map((e) => e.stop({ drainTimeoutMs: 1_000 })));
  server?.forceShutdown();
  await handle?.close();
  await role?.drop();
});

describe('a strict limit shared by three enforcers', () => {
  it('lets exactly 50 calls and 200 records through, round-robin, never more', async () => {
    let calls = 0;
    let records = 0;
    const denials: string[] = [];
    for (let i = 0; i < 150; i++) {
      const answer = await agents[i % 3]!.decide({ tool: 'pay.send', argumentsJson: new TextEncoder().encode('{"count": 4}') });
      if (answer.effect === Effect.ALLOW) {
        calls++;
        records += 4;
      } else {
        expect(answer.errorCode, answer.errorMessage).toBe('');
        denials.push(answer.matchedRules.map((r) => `${r.ruleId}: ${r.reason}`).join('; '));
      }
    }
    expect({ calls, records }).toEqual({ calls: 50, records: 200 });
    expect(denials.every((d) => d.startsWith("payouts: limit 'payouts': strict: this decider holds no budget"))).toBe(true);
    // The callers told when the budget frees up (the coordinator's retry_at).
    expect(denials.some((d) => /the fleet's budget is spent until .* \(retry in \d+ s\)/.test(d))).toBe(true);
    // What each enforcer says it spent (/metrics) adds up to the same.
    const spent = async (unit: string) => {
      const texts = await Promise.all(enforcers.map((e) => e.metrics.registry.getSingleMetricAsString('thoth_enforcer_lease_units_spent_total')));
      return texts.reduce((sum, t) => sum + Number(new RegExp(`unit="${unit}"} (\\d+)`).exec(t)?.[1] ?? 0), 0);
    };
    expect({ calls: await spent('calls'), records: await spent('records') }).toEqual({ calls: 50, records: 200 });
    for (const e of enforcers) expect(e.status().leases).toEqual({ leasesHeld: expect.any(Number), keys: expect.any(Number) });
    const trips = await Promise.all(enforcers.map((e) => e.metrics.registry.getSingleMetricAsString('thoth_enforcer_lease_request_duration_seconds')));
    const sum = trips.reduce((t, text) => t + Number(/_sum (\S+)/.exec(text)?.[1] ?? 0), 0);
    const count = trips.reduce((t, text) => t + Number(/_count (\S+)/.exec(text)?.[1] ?? 0), 0);
    console.log(`lease grants: ${grantMs.length}, transaction ms: median ${median(grantMs).toFixed(2)}, max ${Math.max(...grantMs).toFixed(2)}; enforcer round trips: ${count}, mean ${((sum / count) * 1000).toFixed(2)} ms`);
  });

  it('never over-grants to concurrent requests (the key row lock serializes them)', async () => {
    const key = `L\u0000payouts\u0000${TENANT}\u0000concurrent-agent`;
    const leases = await Promise.all(
      Array.from({ length: 24 }, (_, i) => leaseBudget(`thoth_et_${(i % 3) + 1}`, { enforcerId: `e${i}`, tenantId: TENANT, limitId: 'payouts', key, wantCalls: 13n, wantRecords: 50n })),
    );
    expect(leases.reduce((s, l) => s + Number(l.calls), 0)).toBe(50);
    expect(leases.reduce((s, l) => s + Number(l.records), 0)).toBe(200);
    const refused = leases.filter((l) => l.leaseId === '');
    expect(refused.length).toBeGreaterThan(0);
    for (const l of refused) expect(l.retryAt).toBeDefined();
  });

  it('refuses a lease for another tenant, a key of another tenant, a key of another limit, a limit that is not strict, a malformed lease id', async () => {
    const request = { enforcerId: 'e', tenantId: TENANT, limitId: 'payouts', key: KEY, wantCalls: 1n, wantRecords: 1n };
    expect(await refusal(leaseBudget('thoth_et_other', request))).toEqual({ code: 'PERMISSION_DENIED', errorCode: 'TENANT_NOT_ALLOWED' });
    expect(await refusal(leaseBudget('thoth_et_other', { ...request, tenantId: OTHER }))).toEqual({ code: 'PERMISSION_DENIED', errorCode: 'KEY_NOT_OF_TENANT' });
    expect(await refusal(leaseBudget('thoth_et_1', { ...request, limitId: 'refunds' }))).toEqual({ code: 'INVALID_ARGUMENT', errorCode: 'KEY_NOT_OF_LIMIT' });
    const readsKey = `L\u0000reads\u0000${TENANT}\u0000${AGENT.id}`;
    expect(await refusal(leaseBudget('thoth_et_1', { ...request, limitId: 'reads', key: readsKey }))).toEqual({ code: 'FAILED_PRECONDITION', errorCode: 'LIMIT_NOT_STRICT' });
    expect(await refusal(leaseBudget('thoth_et_nobody', request))).toEqual({ code: 'UNAUTHENTICATED', errorCode: 'UNAUTHENTICATED' });
    expect(await refusal(leaseBudget('thoth_et_1', { ...request, previousLeaseId: 'not-a-lease' }))).toEqual({ code: 'INVALID_ARGUMENT', errorCode: 'LEASE_ID_INVALID' });
  });

  it("keeps each tenant's leases from the others' (row-level security)", async () => {
    const mine = await db.transaction(TENANT, (tx) => tx.select().from(strictLimitLeases));
    expect(mine.length).toBeGreaterThan(0);
    expect(await db.transaction(OTHER, (tx) => tx.select().from(strictLimitLeases))).toEqual([]);
    expect((await db.transaction(TENANT, (tx) => tx.select().from(strictLimitBudgets))).length).toBeGreaterThan(0);
    expect(await db.transaction(OTHER, (tx) => tx.select().from(strictLimitBudgets))).toEqual([]);
    const forged = { ...mine[0]!, leaseId: randomUUID() };
    await expect(db.transaction(OTHER, (tx) => tx.insert(strictLimitLeases).values(forged))).rejects.toMatchObject({ cause: { message: expect.stringMatching(/row-level security/) } });
  });

  it('denies LEASE_UNAVAILABLE when the control plane does not answer in time, whatever the fail mode', async () => {
    const relay = new TcpRelay(address);
    await relay.start();
    const late = await startTestEnforcer({
      enforcerId: 'enforcer-late',
      trustedKeys: trusted,
      controlPlane: { address: relay.address, token: 'thoth_et_late', heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
      leaseWaitMs: 250,
    });
    const agent = agentClient(late.address, { tenantId: TENANT, agentId: LATE_AGENT.id, token: LATE_AGENT.token });
    try {
      await waitFor('the late enforcer ready', () => late.ready());
      relay.pause();
      const answer = await agent.decide({ tool: 'pay.send', argumentsJson: new TextEncoder().encode('{"count": 1}') });
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer.errorCode).toBe('LEASE_UNAVAILABLE');
      expect(answer.matchedRules.map((r) => r.ruleId)).toEqual(['payouts', 'enforcer.lease_unavailable']);
      // Calls no strict limit covers are decided as ever.
      expect((await agent.decide({ tool: 'crm.read' })).effect).toBe(Effect.ALLOW);
      expect(await late.metrics.registry.getSingleMetricAsString('thoth_enforcer_lease_requests_total')).toMatch(/result="wait_exceeded"} [1-9]/);
    } finally {
      relay.resume();
      agent.close();
      await late.stop({ drainTimeoutMs: 1_000 });
      await relay.stop();
    }
  });
});

describe('leases over mutual TLS', () => {
  it("asks the control plane for budget on the config stream's channel, with its client certificate", async () => {
    const tls = await otherCaTls('strict-limits');
    const secure = new Server();
    streams.register(secure);
    const port = await new Promise<number>((resolve, reject) =>
      secure.bindAsync('127.0.0.1:0', serverCredentials({ cert: tls.cert, key: tls.key, clientCa: tls.ca }), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const enforcer = await startTestEnforcer({
      enforcerId: 'enforcer-tls',
      trustedKeys: trusted,
      controlPlane: { address: `localhost:${port}`, token: 'thoth_et_1', credentials: channelCredentials({ ca: tls.ca, cert: tls.cert, key: tls.key }), heartbeatIntervalMs: 200 },
      leaseWaitMs: 5_000,
    });
    const agent = agentClient(enforcer.address, { tenantId: TENANT, agentId: TLS_AGENT.id, token: TLS_AGENT.token });
    try {
      await waitFor('the TLS enforcer ready', () => enforcer.ready());
      const answer = await agent.decide({ tool: 'pay.send', argumentsJson: new TextEncoder().encode('{"count": 1}') });
      expect(answer.effect).toBe(Effect.ALLOW);
      expect(await enforcer.metrics.registry.getSingleMetricAsString('thoth_enforcer_lease_requests_total')).toMatch(/result="granted"} 1/);
    } finally {
      agent.close();
      await enforcer.stop({ drainTimeoutMs: 1_000 });
      secure.forceShutdown();
    }
  });
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
