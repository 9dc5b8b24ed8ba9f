import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createControlPlane, type ControlPlane, type ControlPlaneConfig } from '../../apps/control-plane/src/control-plane.js';
import { GenerateShadowReportCommand } from '../../apps/control-plane/src/modules/shadow-report/commands/generate-shadow-report/generate-shadow-report.command.js';
import { DecisionIngestion, DecisionRecordsRepository } from '../../apps/control-plane/src/modules/decisions/index.js';
import { TrialScheduler } from '../../apps/control-plane/src/modules/trial/index.js';
import { Clock } from '../../apps/control-plane/src/platform/clock/clock.js';
import { KafkaDecisionLog, startEnforcer, type RunningEnforcer } from '../../apps/enforcer/src/embedded.js';
import { migrate, openDatabase } from '../../libs/db/src/index.js';
import { credentialFingerprint, Thoth, type GuardEvent } from '../../libs/sdk/src/index.js';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey } from '../../libs/snapshot/src/index.js';
import { createTestDatabase, createTestTopics, dropTestDatabase, testKafkaBrokers } from '../../libs/testing/src/index.js';
import { waitFor } from '../integration/enforcers/harness.js';
// The control plane's own copy (test/ has no @nestjs dependency): for the stand-in report handler below.
import { CommandBus, CommandHandler, type ICommandHandler } from '../../apps/control-plane/node_modules/@nestjs/cqrs/dist/index.js';
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

/**
 * Until the shadow-report module's handler is wired, the scheduler's command lands here: a
 * stand-in that counts the window through the same repository the real report reads.
 */
const standIn = { reports: new Map<string, { command: GenerateShadowReportCommand; counts: Map<string, number>; total: number }>() };

describe('a week of shadow traffic and the day-seven report', () => {
  const serverUrl = inject('thoth.serverUrl');
  const databaseName = `thoth_test_${inject('thoth.runId')}_trial_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-e2e-trial-'));
  const clock = new MovableClock(SIGN_UP);
  const enforcers: RunningEnforcer[] = [];
  const agents = new Map<string, Thoth>();
  /** What the test sent, tallied by agent|tool|outcome, agent|credential fingerprint, and in total. */
  const sent = new Map<string, number>();
  const events: GuardEvent[] = [];
  let cp: ControlPlane;
  let key: string;
  let tenantId: string;
  let total = 0;

  const tally = (k: string) => sent.set(k, (sent.get(k) ?? 0) + 1);

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
      rateLimit: { perKeyPerMinute: 100_000, anonymousPerMinute: 1_000 },
      distribution: { grpc: { host: '127.0.0.1', port: 0 }, signingKey: generateSigningKey(), keyFile: join(dataDir, 'snapshot-signing.key') },
      decisions: { kafka: { brokers: testKafkaBrokers(), topic, groupId: `trial-e2e-${randomBytes(3).toString('hex')}`, sessionTimeoutMs: 10_000 } },
    };
    cp = await createControlPlane(config, { clock });
    useStandInReports(cp);

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
          decisionLog: new KafkaDecisionLog({ brokers: testKafkaBrokers(), topic, bufferSize: 10_000, clientId: `trial-e2e-${name}` }),
          clock: () => clock.now().getTime(),
        }),
      );
    }
    await waitFor('both enforcers on the policy', () =>
      enforcers.every((e) => e.status().tenants.some((t) => t.tenantId === tenantId && Number(t.version) >= snapshot.version)),
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
          tally(`${name}|${c.tool}|${c.expected}`);
          tally(`credential|${name}`);
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
    expect(ingestion.totals()).toMatchObject({ inserted: total, poison: 0, unknownTenant: 0, unattributed: 0 });
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
    const report = standIn.reports.get(reportId)!;
    expect(report.command).toMatchObject({ tenantId, trigger: 'trial_ended', actor: 'system:trial-scheduler', window: { from: SIGN_UP, to: new Date(SIGN_UP.getTime() + 7 * DAY_MS) } });
    expect(report.total).toBe(total);
    expect(Object.fromEntries([...report.counts].sort())).toEqual(Object.fromEntries([...sent].filter(([k]) => !k.startsWith('credential|')).sort()));
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
    expect(Object.fromEntries([...counted].sort())).toEqual(Object.fromEntries([...sent].filter(([k]) => !k.startsWith('credential|')).sort()));
    expect(all.filter((d) => d.outcome === 'deny')).toEqual([]);
    // Arguments were retained during the trial (replay needs them).
    expect(all.every((d) => d.arguments !== null)).toBe(true);

    for (const [name, traffic] of Object.entries(TRAFFIC)) {
      const byCredential = await page(`&credential=${credentialFingerprint(traffic.credential)}`);
      expect(byCredential.length, name).toBe(sent.get(`credential|${name}`));
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

@CommandHandler(GenerateShadowReportCommand)
class StandInShadowReports implements ICommandHandler<GenerateShadowReportCommand> {
  constructor(private readonly decisions: DecisionRecordsRepository) {}

  async execute(command: GenerateShadowReportCommand): Promise<{ reportId: string }> {
    const counts = new Map<string, number>();
    const records = await this.decisions.inWindow(command.tenantId, command.window ?? {});
    for (const r of records) counts.set(`${r.agentId}|${r.tool}|${r.outcome}`, (counts.get(`${r.agentId}|${r.tool}|${r.outcome}`) ?? 0) + 1);
    const reportId = `stand-in-${standIn.reports.size + 1}`;
    standIn.reports.set(reportId, { command, counts, total: records.length });
    return { reportId };
  }
}

function useStandInReports(cp: ControlPlane): void {
  const id = (Reflect.getMetadata('__command__', GenerateShadowReportCommand) as { id: string }).id;
  const handler = new StandInShadowReports(cp.app.get(DecisionRecordsRepository));
  (cp.app.get(CommandBus) as unknown as { bind(wrapper: unknown, id: string): void }).bind({ isDependencyTreeStatic: () => true, instance: handler }, id);
}
