import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createControlPlane, type ControlPlane, type ControlPlaneConfig } from '../../apps/control-plane/src/control-plane.js';
import { DecisionIngestion } from '../../apps/control-plane/src/modules/decisions/index.js';
import { TrialScheduler } from '../../apps/control-plane/src/modules/trial/index.js';
import { Clock } from '../../apps/control-plane/src/platform/clock/clock.js';
import { KafkaDecisionLog, startEnforcer, type RunningEnforcer } from '../../apps/enforcer/src/embedded.js';
import { migrate, openDatabase } from '../../libs/db/src/index.js';
import { credentialFingerprint, Thoth, type GuardEvent } from '../../libs/sdk/src/index.js';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey } from '../../libs/snapshot/src/index.js';
import { createTestDatabase, createTestTopics, dropTestDatabase, testKafkaConnection } from '../../libs/testing/src/index.js';
import { waitFor } from '../integration/enforcers/harness.js';
import { call, ok } from './enforcers.support.js';

// Issue 8, acceptance 1: a week of synthetic traffic from three agents, through the SDK, against
// two enforcers in shadow mode, with the clock moved day by day; decisions go through the real
// Kafka broker into the control plane's decision read model on its own Postgres database. At day
// seven the trial scheduler produces the report; what it counts is exactly what the test sent,
// per agent, tool and outcome; nothing was blocked.

const DAY_MS = 24 * 60 * 60 * 1000;
const SIGN_UP = new Date('2026-11-02T07:00:00.000Z');

class MovableClock extends Clock {
  constructor(public current: Date) {
    super();
  }
  now(): Date {
    return this.current;
  }
}

const POLICY = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: trial-guardrails, version: "1"}
defaults: {effect: allow}
# The test counts retained arguments; a decision over the default 5 ms budget on a loaded machine
# would be an evaluation error (its arguments not kept), not what this test is about.
evaluation: {budget: 1s}
rules:
  - id: no-crm-deletes
    match: {tools: ["crm.delete_*"]}
    effect: deny
    severity: high
    reason: CRM deletes need a human.
  - id: big-refunds
    match: {tools: ["billing.refund"]}
    when: 'args.amount > 500'
    effect: deny
    reason: Refunds over 500 need approval.
`;

type Outcome = 'allow' | 'would_deny';
interface Call {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly resource: string;
  /** What the policy above decides for it: the test's own expectation, not the enforcer's answer. */
  readonly expected: Outcome;
}

/** An agent's calls on day `d` (0…6): a different mix each day. */
const TRAFFIC: Record<string, { credential: string; enforcer: 0 | 1; day: (d: number) => Call[] }> = {
  'crm-agent': {
    credential: 'crm-oauth-token',
    enforcer: 0,
    day: (d) => [
      ...repeat(60 + 3 * d, (i) => ({ tool: 'crm.read_contact', args: { id: i }, resource: 'crm/contacts', expected: 'allow' as const })),
      ...repeat(2 + (d % 3), (i) => ({ tool: 'crm.delete_contact', args: { ids: [i] }, resource: 'crm/contacts', expected: 'would_deny' as const })),
      ...repeat(10, (i) => ({ tool: 'crm.update_contact', args: { id: i, ticket: `CHG-${d}` }, resource: 'crm/contacts', expected: 'allow' as const })),
    ],
  },
  'billing-agent': {
    credential: 'stripe-live-key',
    enforcer: 1,
    day: (d) => [
      ...repeat(25 + d, (i) => ({ tool: 'billing.charge', args: { amount: 20 + i }, resource: 'billing/charges', expected: 'allow' as const })),
      ...repeat(6, (i) => {
        const amount = i % 3 === 0 ? 900 : 120;
        return { tool: 'billing.refund', args: { amount }, resource: 'billing/refunds', expected: amount > 500 ? ('would_deny' as const) : ('allow' as const) };
      }),
    ],
  },
  'support-agent': {
    credential: 'zendesk-token',
    enforcer: 1,
    day: (d) => [
      ...repeat(30 - d, (i) => ({ tool: 'support.reply', args: { ticket: i }, resource: 'support/tickets', expected: 'allow' as const })),
      ...repeat(5, (i) => ({ tool: 'crm.read_contact', args: { id: 1000 + i }, resource: 'crm/contacts', expected: 'allow' as const })),
      ...(d === 4 ? [{ tool: 'crm.delete_account', args: { id: 7 }, resource: 'crm/accounts', expected: 'would_deny' as const }] : []),
    ],
  },
};

function repeat<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

describe('a week of shadow traffic and the day-seven report', () => {
  const serverUrl = inject('thoth.serverUrl');
  const databaseName = `thoth_test_${inject('thoth.runId')}_trial_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-e2e-trial-'));
  const clock = new MovableClock(SIGN_UP);
  const enforcers: RunningEnforcer[] = [];
  const agents = new Map<string, Thoth>();
  /** What the test sent: by `agent|tool|outcome`, by `agent|day`, and per agent's credential. */
  const sent = new Map<string, number>();
  const perDay = new Map<string, number>();
  const perCredential = new Map<string, number>();
  const perResource = new Map<string, number>();
  const events: GuardEvent[] = [];
  let cp: ControlPlane;
  let key: string;
  let tenantId: string;
  let total = 0;

  const tally = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  beforeAll(async () => {
    const [topic] = (await createTestTopics([{ name: `trial-e2e-${randomBytes(3).toString('hex')}`, numPartitions: 3 }])) as [string];
    const databaseUrl = await createTestDatabase(serverUrl, databaseName);
    const migrator = await openDatabase({ url: databaseUrl, maxConnections: 1 });
    await migrate(migrator.sql);
    await migrator.close();

    const config: ControlPlaneConfig = {
      databaseUrl,
      migrate: false,
      http: { host: '127.0.0.1', port: 0 },
      logLevel: 'silent',
      limits: { bodyBytes: 256 * 1024 },
      rateLimit: { perTenantPerMinute: 100_000, anonymousPerMinute: 1_000, perAddressPerMinute: 100_000 },
      distribution: { grpc: { host: '127.0.0.1', port: 0 }, signingKey: generateSigningKey(), keyFile: join(dataDir, 'snapshot-signing.key') },
      decisions: { kafka: { connection: testKafkaConnection(), topic, groupId: `trial-e2e-${randomBytes(3).toString('hex')}`, sessionTimeoutMs: 10_000 } },
    };
    cp = await createControlPlane(config, { clock });

    // Day 0: sign up (the trial starts), register three agents and two enforcers, publish the policy.
    const signUp = await ok(call(cp.url, 'POST', '/v1/tenants', { body: { name: 'Trial Co', email: 'sec@trial.test' } }), 201);
    key = signUp.body.apiKey.key;
    tenantId = signUp.body.tenant.id;
    expect(signUp.body.tenant).toMatchObject({ mode: 'shadow', trial: { endsAt: new Date(SIGN_UP.getTime() + 7 * DAY_MS).toISOString(), status: 'active' } });
    const tokens = new Map<string, string>();
    for (const name of Object.keys(TRAFFIC)) {
      tokens.set(name, (await ok(call(cp.url, 'POST', '/v1/agents', { key, body: { name } }), 201)).body.token);
    }
    await ok(call(cp.url, 'PUT', '/v1/policy', { key, body: { source: POLICY }, headers: { 'if-none-match': '*' } }));
    const snapshot = (await ok(call(cp.url, 'GET', '/v1/distribution/snapshot', { key }))).body as { version: number; policyVersion: number };
    const publicKey = (await ok(call(cp.url, 'GET', '/v1/distribution/public-key'))).body.publicKey as string;
    for (const name of ['edge-1', 'edge-2']) {
      const registration = (await ok(call(cp.url, 'POST', '/v1/enforcers', { key, body: { name } }), 201)).body;
      enforcers.push(
        await startEnforcer({
          enforcerId: name,
          listen: { host: '127.0.0.1', port: 0 },
          controlPlane: { address: cp.grpcAddress!, token: registration.token, tenantIds: [] },
          trustedKeys: keyring([verifierFromPublicKey(publicKey)]),
          signer: signerFromSeed(generateSigningKey()),
          decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 10_000, clientId: `trial-e2e-${name}` }),
          // The trial moves the enforcers' clock day by day: no stale config for a silence that never was.
          maxStalenessMs: 30 * DAY_MS,
          clock: () => clock.now().getTime(),
        }),
      );
    }
    await waitFor('both enforcers on the policy', () =>
      enforcers.every((e) => Number(e.store.get(tenantId)?.version ?? 0n) >= snapshot.version),
    );
    for (const [name, traffic] of Object.entries(TRAFFIC)) {
      agents.set(
        name,
        new Thoth({
          address: enforcers[traffic.enforcer]!.address,
          tenantId,
          agentId: name,
          agentToken: tokens.get(name)!,
          source: { ip: '10.20.0.7', region: 'eu-west-1' },
          deadlineMs: 2_000,
          onDecision: (event) => events.push(event),
        }),
      );
    }
  });

  afterAll(async () => {
    for (const thoth of agents.values()) thoth.close();
    for (const e of enforcers) await e.stop({ drainTimeoutMs: 5_000 });
    await cp?.close();
    await dropTestDatabase(serverUrl, databaseName).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs seven days of calls through the SDK, all of them let through', async () => {
    for (let day = 0; day < 7; day++) {
      let second = 0;
      for (const [name, traffic] of Object.entries(TRAFFIC)) {
        const thoth = agents.get(name)!;
        for (const c of traffic.day(day)) {
          // Business hours of day `day`, a second apart.
          clock.current = new Date(SIGN_UP.getTime() + day * DAY_MS + 2 * 3_600_000 + 1000 * second++);
          const event = await thoth.check({ name: c.tool, risk: 'write', arguments: c.args, resource: c.resource, credential: traffic.credential });
          expect(event.outcome, `${name} ${c.tool} on day ${day}`).toBe(c.expected === 'allow' ? 'allow' : 'shadow_deny');
          tally(sent, `${name}|${c.tool}|${c.expected}`);
          tally(perCredential, name);
          tally(perResource, c.resource);
          tally(perDay, `${name}|${day}`);
          total++;
        }
      }
    }
    expect(total).toBeGreaterThan(1_000);
    // Nothing was blocked: every call went through, none was refused or denied.
    expect(events).toHaveLength(total);
    expect(events.filter((e) => e.outcome !== 'allow' && e.outcome !== 'shadow_deny')).toEqual([]);
  });

  it('lands every decision once in the read model, through Kafka', async () => {
    const ingestion = cp.app.get(DecisionIngestion);
    await waitFor(`${total} decisions ingested`, () => (ingestion.totals().inserted >= total ? true : undefined), 60_000);
    expect(ingestion.totals()).toMatchObject({ inserted: total, poison: 0, unknownTenant: 0, unattributed: 0, quarantined: {} });
  });

  it('at day seven the scheduler ends the trial and produces the report, the tenant still in shadow', async () => {
    clock.current = new Date(SIGN_UP.getTime() + 7 * DAY_MS - 1);
    expect((await cp.app.get(TrialScheduler).runDue()).reported).toEqual([]);
    clock.current = new Date(SIGN_UP.getTime() + 7 * DAY_MS + 30_000);
    const run = await cp.app.get(TrialScheduler).runDue();
    expect(run.failed).toEqual([]);
    expect(run.reported).toHaveLength(1);
    const { reportId } = run.reported[0]!;

    const tenant = (await ok(call(cp.url, 'GET', '/v1/tenant', { key }))).body;
    expect(tenant).toMatchObject({ mode: 'shadow', trial: { status: 'ended', active: false, reportId } });

    const view = (await ok(call(cp.url, 'GET', `/v1/shadow-reports/${reportId}`, { key }))).body;
    const end = new Date(SIGN_UP.getTime() + 7 * DAY_MS);
    expect(view).toMatchObject({ id: reportId, trigger: 'trial_ended', generatedBy: 'system:trial-scheduler', window: { from: SIGN_UP.toISOString(), to: end.toISOString() } });
    const report = view.report;
    const count = (pick: (agent: string, tool: string, outcome: Outcome) => boolean) =>
      [...sent].reduce((n, [k, v]) => {
        const [agent, tool, outcome] = k.split('|') as [string, string, Outcome];
        return pick(agent, tool, outcome) ? n + v : n;
      }, 0);
    const tools = new Set([...sent.keys()].map((k) => k.split('|')[1]!));

    // Its numbers are the test's own tally: in total, per agent (and per day), per tool, per rule.
    expect(report.totals).toMatchObject({
      calls: total,
      allowed: count((_a, _t, o) => o === 'allow'),
      wouldDeny: count((_a, _t, o) => o === 'would_deny'),
      denied: 0,
      refused: 0,
      agents: 3,
      tools: tools.size,
      credentials: 3,
      argumentsRetained: total,
    });
    expect(report.activity.agents.keys).toBe(3);
    for (const agent of Object.keys(TRAFFIC)) {
      const row = report.activity.agents.items.find((i: { key: string }) => i.key === agent);
      expect(row, agent).toMatchObject({
        calls: count((a) => a === agent),
        allowed: count((a, _t, o) => a === agent && o === 'allow'),
        wouldDeny: count((a, _t, o) => a === agent && o === 'would_deny'),
        denied: 0,
      });
      // Seven trial days, from 07:00 UTC on day 0 to 07:00 UTC on day 7: eight UTC days, the last one empty.
      expect(row.perDay, agent).toEqual([...Array.from({ length: 7 }, (_, d) => perDay.get(`${agent}|${d}`) ?? 0), 0]);
    }
    expect(report.activity.tools.keys).toBe(tools.size);
    for (const tool of tools) {
      const row = report.activity.tools.items.find((i: { key: string }) => i.key === tool);
      expect(row, tool).toMatchObject({ calls: count((_a, t) => t === tool), wouldDeny: count((_a, t, o) => t === tool && o === 'would_deny'), denied: 0 });
    }
    // Per credential (the SDK sends the token's SHA-256, never the token) and per resource.
    const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex');
    const byKey = (dimension: { items: Array<{ key: string; calls: number }> }) => Object.fromEntries(dimension.items.map((i) => [i.key, i.calls]));
    expect(byKey(report.activity.credentials)).toEqual(Object.fromEntries(Object.entries(TRAFFIC).map(([name, t]) => [fingerprint(t.credential), perCredential.get(name)])));
    expect(byKey(report.activity.resources)).toEqual(Object.fromEntries(perResource));
    const rule = (id: string) => report.wouldBlock.byRule.find((r: { ruleId: string }) => r.ruleId === id);
    expect(report.wouldBlock).toMatchObject({ calls: count((_a, _t, o) => o === 'would_deny'), wouldDeny: count((_a, _t, o) => o === 'would_deny'), denied: 0 });
    expect(rule('no-crm-deletes')).toMatchObject({ wouldDeny: count((_a, t, o) => t.startsWith('crm.delete_') && o === 'would_deny'), denied: 0 });
    expect(rule('big-refunds')).toMatchObject({ wouldDeny: count((_a, t, o) => t === 'billing.refund' && o === 'would_deny'), denied: 0 });
    expect(report.wouldBlock.byRule).toHaveLength(2);
  });

  it('answers the same counts through GET /v1/decisions, per agent, tool and outcome, and per credential', async () => {
    const page = async (query: string): Promise<Array<{ agentId: string; tool: string; outcome: string; arguments: unknown }>> => {
      const items = [];
      let cursor: string | null = null;
      do {
        const answer = await ok(call(cp.url, 'GET', `/v1/decisions?limit=1000${query}${cursor ? `&cursor=${cursor}` : ''}`, { key }));
        items.push(...answer.body.items);
        cursor = answer.body.next;
      } while (cursor);
      return items;
    };
    const all = await page(`&from=${SIGN_UP.toISOString()}&to=${new Date(SIGN_UP.getTime() + 7 * DAY_MS).toISOString()}`);
    expect(all).toHaveLength(total);
    const counted = new Map<string, number>();
    for (const d of all) counted.set(`${d.agentId}|${d.tool}|${d.outcome}`, (counted.get(`${d.agentId}|${d.tool}|${d.outcome}`) ?? 0) + 1);
    expect(Object.fromEntries([...counted].sort())).toEqual(Object.fromEntries([...sent].sort()));
    expect(all.filter((d) => d.outcome === 'deny')).toEqual([]);
    // Arguments were retained during the trial (replay needs them).
    expect(all.every((d) => d.arguments !== null)).toBe(true);

    for (const [name, traffic] of Object.entries(TRAFFIC)) {
      const byCredential = await page(`&credential=${credentialFingerprint(traffic.credential)}`);
      expect(byCredential.length, name).toBe(perCredential.get(name));
      expect(new Set(byCredential.map((d) => d.agentId)), name).toEqual(new Set([name]));
    }
    const refundsDenied = await page('&agent=billing-agent&tool=billing.refund&outcome=would_deny');
    expect(refundsDenied).toHaveLength(sent.get('billing-agent|billing.refund|would_deny')!);
    expect(refundsDenied.every((d) => (d.arguments as { amount: number }).amount > 500)).toBe(true);
  });

  it('switching to enforce stays one call', async () => {
    const etag = (await ok(call(cp.url, 'GET', '/v1/tenant', { key }))).headers.get('etag')!;
    const switched = await ok(call(cp.url, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'enforce' }, headers: { 'if-match': etag } }));
    expect(switched.body.mode).toBe('enforce');
  });
});
