// Issue 16, acceptance 1 and 2: limits and sequences that hold across a fleet of enforcers and
// their restarts. Three enforcer processes of one tenant, on the real broker, each folding the
// others' signed decisions (docs/fleet-state.md); a control plane in this process (config stream,
// receipt key directory, strict limits' leases). One agent's calls go round-robin across the three.
//
// - Eventual, the fleet caught up before each call (the test waits on the enforcers' reported
//   folds and lag, never sleeps): at most 50 calls and 200 records are allowed in 10 minutes,
//   with maxCalls binding for one agent and maxRecords for another.
// - Strict (leased budgets), calls as fast as they come: exactly 50 calls and 200 records.
// - One enforcer's consumer paused (SIGUSR2): the overshoot is at most the allowed calls its peers
//   decided that it had not folded (docs/fleet-state.md, "Overshoot"), and it converges once resumed.
// - An enforcer killed with SIGKILL mid-window and started again rebuilds the window before it is
//   ready: the 30 calls already made still count.
// - A tenant-scoped sequence: a delete by one agent on enforcer A, then an insert by another agent
//   on enforcer B, is denied as fabrication.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Effect } from '../../libs/contracts/src/index.js';
import { generateSigningKey, publicKeyBase64, signerFromSeed } from '../../libs/snapshot/src/index.js';
import { createTestTopics, testKafkaEnv, withDatabase } from '../../libs/testing/src/index.js';
import { policyYaml } from '../../libs/testing/src/policy-yaml.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { call, createAppLoginRole, signUp, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';
import { ledgerTestContext, type LedgerTestContext } from '../../apps/ledger/test/support/ledger-harness.js';
import { agentClient, waitFor, type AgentClient } from '../integration/enforcers/harness.js';
import { edgeControlPlaneConfig, publishFirstPolicy, registerAgents } from '../integration/credential-governance/governed-edge.js';
import { Proc } from './enforcers.support.js';

const POLICY = policyYaml(
  'fleet',
  1,
  `limits:
  - id: deletes
    match: {tools: ["crm.delete_records"]}
    records: 'int(args.count)'
    window: {duration: 10m, maxCalls: 50, maxRecords: 200}
  - id: refunds
    match: {tools: ["billing.refund"]}
    records: 'int(args.count)'
    window: {duration: 10m, maxCalls: 50, maxRecords: 200}
    consistency: strict
sequences:
  - id: fabrication
    scope: tenant
    after: {tools: ["files.delete"]}
    then: {tools: ["files.create"]}
    within: 10m
`,
);
const AGENTS = ['calls-agent', 'records-agent', 'strict-agent', 'paused-agent', 'restart-agent', 'deleter', 'writer'] as const;
type AgentName = (typeof AGENTS)[number];

interface FleetStatus {
  ready: boolean;
  notReady: { code: string } | null;
  decisionLog: { buffered: number; delivered: number };
  fleet: { state: string; lagMessages: number; endOffsetsAt: number; caughtUp: boolean; folded: number; rebuilt: number; rejected: number };
}

interface Member {
  readonly name: string;
  readonly env: Record<string, string>;
  proc: Proc;
  http: string;
  address: string;
}

describe('limits and sequences across a fleet of three enforcer processes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-fleet-'));
  const cpSigningKey = generateSigningKey();
  const fleet: Member[] = [];
  const clients = new Map<string, AgentClient>();
  let ctx: LedgerTestContext;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let cp: ControlPlane;
  let tenantId: string;
  let agents: Record<string, { id: string; token: string }>;

  const status = async (m: Member): Promise<FleetStatus> => (await (await fetch(`${m.http}/readyz`)).json()) as FleetStatus;

  const start = async (m: Omit<Member, 'proc' | 'http' | 'address'> & Partial<Member>): Promise<Member> => {
    const proc = Proc.start(m.name, 'apps/enforcer/src/main.ts', m.env);
    const ready = await proc.logged('enforcer ready to serve');
    const member = m as Member;
    member.proc = proc;
    member.http = String(ready['http']);
    member.address = String(ready['address']);
    for (const [key, open] of clients) {
      if (!key.startsWith(`${m.name}/`)) continue;
      open.close();
      clients.delete(key);
    }
    await waitFor(`${m.name} to be ready (windows rebuilt)`, async () => (await status(member).catch(() => undefined))?.ready === true, 60_000);
    return member;
  };

  const client = (m: Member, agent: AgentName): AgentClient => {
    const key = `${m.name}/${agent}`;
    let c = clients.get(key);
    if (c === undefined) clients.set(key, (c = agentClient(m.address, { tenantId, agentId: agent, token: agents[agent]!.token })));
    return c;
  };

  /**
   * Every enforcer has folded every decision its peers published (`of`: the members whose consumer
   * runs): the peers' decision logs are empty, and each follower reports no lag against end offsets
   * read after that.
   */
  const caughtUp = async (of: readonly Member[] = fleet) => {
    const since = Date.now();
    await waitFor('the decision logs to be delivered', async () => (await Promise.all(fleet.map(status))).every((s) => s.decisionLog.buffered === 0), 30_000);
    await waitFor('the fleet to be caught up', async () => (await Promise.all(of.map(status))).every((s) => s.fleet.lagMessages === 0 && s.fleet.endOffsetsAt > since), 30_000);
  };

  /** Sends `n` calls of `agent` round-robin over `members`; returns how many were allowed and their records. */
  const roundRobin = async (agent: AgentName, tool: string, count: number, n: number, options: { members?: readonly Member[]; settle?: boolean } = {}) => {
    const members = options.members ?? fleet;
    let calls = 0;
    let records = 0;
    const byMember = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const m = members[i % members.length]!;
      const answer = await client(m, agent).decide({ tool, argumentsJson: new TextEncoder().encode(JSON.stringify({ count })) });
      if (answer.effect === Effect.ALLOW && !answer.shadow) {
        calls++;
        records += count;
        byMember.set(m.name, (byMember.get(m.name) ?? 0) + 1);
      }
      if (options.settle) await caughtUp();
    }
    return { calls, records, byMember };
  };

  beforeAll(async () => {
    ctx = await ledgerTestContext(`fleet_${randomBytes(2).toString('hex')}`);
    const [topic] = (await createTestTopics([{ name: `fleet-${randomBytes(3).toString('hex')}`, numPartitions: 3 }])) as [string];
    role = await createAppLoginRole();
    cp = await startControlPlane(
      withDatabase(role.url, new URL(ctx.ownerUrl).pathname.slice(1)),
      edgeControlPlaneConfig({ dataDir, signingKey: cpSigningKey, topic, group: 'fleet', receiptKeysTopic: ctx.receiptKeysTopic }),
    );
    const tenant = await signUp(cp.url, 'Fleet');
    tenantId = tenant.tenantId;
    agents = await registerAgents(cp, tenant.key, AGENTS);
    expect((await call(cp.url, 'PUT', '/v1/tenant/mode', { key: tenant.key, body: { mode: 'enforce' } })).status).toBe(200);
    await publishFirstPolicy(cp, tenant.key, POLICY);
    const publicKey = publicKeyBase64(signerFromSeed(cpSigningKey));
    for (const name of ['enforcer-a', 'enforcer-b', 'enforcer-c']) {
      const token = (await call(cp.url, 'POST', '/v1/enforcers', { key: tenant.key, body: { name } })).body.token as string;
      const env = {
        ...testKafkaEnv(),
        THOTH_ENFORCER_ID: name,
        THOTH_ENFORCER_GRPC_PORT: '0',
        THOTH_ENFORCER_HTTP_PORT: '0',
        THOTH_CONFIG_PUBLIC_KEYS: publicKey,
        THOTH_CONTROL_PLANE_GRPC: cp.grpcAddress!,
        THOTH_ENFORCER_TOKEN: token,
        // The same key after a restart: a previous incarnation's decisions are its own, and still count.
        THOTH_ENFORCER_SIGNING_KEY: generateSigningKey(),
        THOTH_DECISIONS_TOPIC: topic,
        THOTH_RECEIPT_KEYS_TOPIC: ctx.receiptKeysTopic,
        // The test waits on the reported lag before most calls: measured often, it waits less.
        THOTH_FLEET_LAG_REFRESH_MS: '50',
      };
      fleet.push(await start({ name, env }));
    }
  });

  afterAll(async () => {
    for (const c of clients.values()) c.close();
    await Promise.all(fleet.map((m) => m.proc?.stop()));
    await cp?.close();
    await role?.drop();
    await ctx?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('caught up, eventual limits allow at most 50 calls and 200 records; strict ones exactly 50 and 200', async () => {
    // 4 records a call: maxCalls binds at 50 calls (200 records). 10 a call: maxRecords binds at 20 calls.
    const byCalls = await roundRobin('calls-agent', 'crm.delete_records', 4, 54, { settle: true });
    expect(byCalls.calls).toBeLessThanOrEqual(50);
    expect(byCalls.records).toBeLessThanOrEqual(200);
    const byRecords = await roundRobin('records-agent', 'crm.delete_records', 10, 24, { settle: true });
    expect(byRecords.records).toBeLessThanOrEqual(200);
    expect(byRecords.calls).toBeLessThanOrEqual(20);
    // Caught up, nothing is lost either: each window is used to its last call.
    expect([byCalls.calls, byRecords.records]).toEqual([50, 200]);
    for (const m of fleet) expect((await status(m)).fleet.rejected).toBe(0);

    // Strict: no waiting between calls, each enforcer spends leased budget.
    const strict = await roundRobin('strict-agent', 'billing.refund', 4, 70);
    expect([strict.calls, strict.records]).toEqual([50, 200]);
    const strictRecords = await roundRobin('strict-agent', 'billing.refund', 10, 5);
    expect(strictRecords.calls).toBe(0);
  });

  it('with one consumer paused, the overshoot stays within the calls its peers allowed that it had not folded', async () => {
    const [a, b, c] = fleet as [Member, Member, Member];
    c.proc.child.kill('SIGUSR2');
    await waitFor('enforcer-c to pause its consumer', async () => (await status(c)).fleet.state === 'paused', 10_000);
    // a and b fold everything (c's decisions included); c folds nothing of theirs.
    let unseen = 0;
    let allowed = 0;
    for (let i = 0; i < 90; i++) {
      const m = fleet[i % 3]!;
      const answer = await client(m, 'paused-agent').decide({ tool: 'crm.delete_records', argumentsJson: new TextEncoder().encode('{"count":1}') });
      if (answer.effect === Effect.ALLOW) {
        allowed++;
        if (m !== c) unseen++;
      }
      await caughtUp([a, b]);
    }
    const overshoot = allowed - 50;
    // docs/fleet-state.md: overshoot ≤ the allowed calls the lagging enforcer had not folded (here all
    // of a's and b's), and ≤ maxCalls for each lagging enforcer.
    expect(overshoot).toBeGreaterThan(0);
    expect(overshoot).toBeLessThanOrEqual(unseen);
    expect(overshoot).toBeLessThanOrEqual(50);

    c.proc.child.kill('SIGUSR2');
    await waitFor('enforcer-c to resume', async () => (await status(c)).fleet.state === 'following', 10_000);
    await caughtUp();
    for (const m of fleet) expect((await client(m, 'paused-agent').decide({ tool: 'crm.delete_records', argumentsJson: new TextEncoder().encode('{"count":1}') })).effect).toBe(Effect.DENY);
  });

  it('an enforcer killed with SIGKILL mid-window and started again does not reset the window', async () => {
    const first = await roundRobin('restart-agent', 'crm.delete_records', 1, 30, { settle: true });
    expect(first.calls).toBe(30);
    const a = fleet[0]!;
    a.proc.child.kill('SIGKILL');
    await a.proc.exited;
    const restarted = await start(a);
    expect(restarted.proc.lines.some((l) => l['msg'] === 'enforcer ready to serve')).toBe(true);
    expect((await status(restarted)).fleet.rebuilt).toBeGreaterThan(0);
    // Its own 10 calls from before the kill and its peers' 20 are in its window: 20 more, not 50.
    const after = await roundRobin('restart-agent', 'crm.delete_records', 1, 30, { members: [restarted] });
    expect(after.calls).toBe(20);
  });

  it('a tenant-scoped sequence links a delete by one agent on enforcer A and an insert by another on enforcer B', async () => {
    const [a, b] = fleet as [Member, Member];
    expect((await client(b, 'writer').decide({ tool: 'files.create', resource: 'reports/q3' })).effect).toBe(Effect.ALLOW);
    expect((await client(a, 'deleter').decide({ tool: 'files.delete', resource: 'reports/q3' })).effect).toBe(Effect.ALLOW);
    await caughtUp();
    const insert = await client(b, 'writer').decide({ tool: 'files.create', resource: 'reports/q3' });
    expect(insert.effect).toBe(Effect.DENY);
    expect(insert.matchedRules.find((r) => r.ruleId === 'fabrication')?.reason).toMatch(/after 1 earlier matching call by the tenant's agents/);
  });
});
