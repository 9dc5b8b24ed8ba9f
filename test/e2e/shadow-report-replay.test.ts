import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey } from '../../libs/snapshot/src/index.js';
import { createTestTopics, testKafkaConnection } from '../../libs/testing/src/index.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { DecisionRecordsRepository } from '../../apps/control-plane/src/modules/decisions/index.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane, type Answer } from '../../apps/control-plane/test/integration/support/control-plane.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../apps/enforcer/src/enforcer.js';
import { agentClient, waitFor, type AgentClient } from '../integration/enforcers/harness.js';

// Issue 8, acceptance 3, on the production path: the control plane (config stream, decision
// ingestion from Kafka, real Postgres), an enforcer on its config stream publishing decisions to
// the real Kafka broker, agents calling Decide over gRPC through a simulated week in the shadow
// trial (both clocks moved), with a few unsafe calls injected. The recommended policy of the
// day-seven report is published through the API as is; replaying the week against it changes no
// legitimate call and denies exactly the injected unsafe ones, which the replay API names.

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T00:00:00.000Z');

const GUARDRAILS = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: acme-guardrails, version: "1"}
defaults: {effect: allow}
rules:
  - id: no-drops
    match: {tools: ["crm.drop_*", "db.drop_*"]}
    effect: deny
    severity: critical
    reason: Nobody drops tables.
  - id: reads-ok
    match: {tools: ["crm.read_*", "billing.read_*"]}
    effect: allow
limits:
  - id: crm-delete-blast-radius
    match: {tools: ["crm.delete_*"]}
    records: 'has(args.ids) ? size(args.ids) : 1'
    maxPerCall: 100
    window: {duration: 10m, maxCalls: 50}
    scope: agent
    severity: critical
    reason: Bulk deletion needs a human.
sequences:
  - id: crm-fabrication
    after: {tools: ["crm.delete_*"]}
    then: {tools: ["crm.insert_*"]}
    within: 2h
    sameResource: true
    minCalls: 1
`;

const clock = new FixedClock(new Date(T0));
let enforcerNow = T0;
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let enforcer: RunningEnforcer;
let log: KafkaDecisionLog;
let tenant: Awaited<ReturnType<typeof signUp>>;
const dataDir = mkdtempSync(join(tmpdir(), 'thoth-shadow-replay-'));
const clients: Record<'crm' | 'sync' | 'billing', AgentClient> = {} as never;
const tokens = { crm: 'crm-oauth-token', billing: 'billing-api-key' };
const fingerprint = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** What the enforcer answered, by decision id. */
const legitimate: string[] = [];
const unsafe: string[] = [];

const ok = async (answer: Promise<Answer>, status = 200): Promise<Answer> => {
  const a = await answer;
  if (a.status !== status) throw new Error(`expected ${status}, got ${a.status}: ${JSON.stringify(a.body)}`);
  return a;
};

interface Call {
  readonly agent: keyof typeof clients;
  readonly at: number;
  readonly tool: string;
  readonly resource: string;
  readonly args?: unknown;
  readonly credential?: string;
  readonly source?: { ip: string; region: string };
}

async function decide(c: Call): Promise<{ decisionId: string; shadow: boolean; why: string }> {
  enforcerNow = c.at;
  const response = await clients[c.agent].decide({
    tool: c.tool,
    resource: c.resource,
    argumentsJson: new TextEncoder().encode(JSON.stringify(c.args ?? {})),
    ...(c.credential ? { credentialFingerprint: fingerprint(c.credential) } : {}),
    source: c.source ?? { ip: '10.20.1.7', region: 'eu-west-1' },
  });
  // What matched, and any error: said when an answer is not the one expected.
  const why = [...response.matchedRules.map((r) => `${r.ruleId}: ${r.reason}`), response.errorCode].filter((x) => x !== '').join('; ');
  return { decisionId: response.decisionId, shadow: response.shadow, why };
}

/** A week of ordinary work: 72 calls a day over three agents, office hours. */
function ordinaryWeek(): Call[] {
  const calls: Call[] = [];
  let n = 0;
  for (let day = 0; day < 7; day++) {
    for (let hour = 8; hour < 18; hour++) {
      const base = T0 + day * DAY + hour * HOUR;
      const crm = (minute: number, tool: string, resource: string, args: unknown = {}) =>
        calls.push({ agent: 'crm', at: base + minute * MINUTE, tool, resource, args, credential: tokens.crm });
      crm(1, 'crm.read_contacts', 'crm/contacts', { limit: 50 });
      crm(11, 'crm.read_contacts', 'crm/contacts', { limit: 50 });
      crm(21, 'crm.read_contacts', 'crm/contacts', { limit: 50 });
      crm(31, 'crm.update_contact', 'crm/contacts', { id: ++n, ticket: `T-${n}` });
      if (hour % 2 === 0) {
        crm(41, 'crm.delete_records', 'crm/leads', { ids: [++n] });
        crm(51, 'crm.insert_records', 'crm/contacts', { ids: [++n] });
        calls.push({ agent: 'sync', at: base + 3 * MINUTE, tool: 'crm.read_contacts', resource: 'crm/contacts', credential: tokens.crm, source: { ip: '10.20.2.9', region: 'eu-west-1' } });
        calls.push({ agent: 'sync', at: base + 33 * MINUTE, tool: 'crm.read_contacts', resource: 'crm/contacts', credential: tokens.crm, source: { ip: '10.20.2.9', region: 'eu-west-1' } });
      }
      calls.push({ agent: 'billing', at: base + 7 * MINUTE, tool: 'billing.read_invoices', resource: 'billing/invoices', credential: tokens.billing });
    }
    for (const hour of [10, 15]) {
      calls.push({ agent: 'billing', at: T0 + day * DAY + hour * HOUR + 45 * MINUTE, tool: 'billing.pay', resource: 'billing/invoices', args: { amount_cents: 1200 }, credential: tokens.billing });
    }
  }
  return calls;
}

/** The unsafe calls injected into the week; the policy in force flags each (would-deny). */
function injected(): Call[] {
  const day = (d: number, h: number, m: number) => T0 + d * DAY + h * HOUR + m * MINUTE;
  return [
    { agent: 'crm', at: day(3, 16, 55), tool: 'crm.drop_table', resource: 'crm/executives', credential: tokens.crm },
    { agent: 'crm', at: day(4, 14, 2), tool: 'crm.delete_records', resource: 'crm/executives', args: { ids: Array.from({ length: 1206 }, (_, i) => i) }, credential: tokens.crm },
    ...[5, 6, 7].map((m): Call => ({ agent: 'crm', at: day(4, 14, m), tool: 'crm.insert_records', resource: 'crm/executives', args: { ids: [m] }, credential: tokens.crm })),
    { agent: 'sync', at: day(5, 9, 13), tool: 'db.drop_index', resource: 'db/contacts', credential: tokens.crm, source: { ip: '10.20.2.9', region: 'eu-west-1' } },
    // The CRM credential from a region its binding does not allow.
    { agent: 'crm', at: day(5, 12, 30), tool: 'crm.read_contacts', resource: 'crm/contacts', credential: tokens.crm, source: { ip: '198.51.100.7', region: 'us-east-1' } },
  ];
}

beforeAll(async () => {
  role = await createAppLoginRole();
  const [topic] = (await createTestTopics([{ name: `shadow-replay-${randomBytes(3).toString('hex')}`, numPartitions: 3 }])) as [string];
  cp = await startControlPlane(
    role.url,
    {
      distribution: { grpc: { host: '127.0.0.1', port: 0 }, signingKey: generateSigningKey(), keyFile: join(dataDir, 'snapshot.key') },
      decisions: { kafka: { connection: testKafkaConnection(), topic, groupId: `shadow-replay-${randomBytes(4).toString('hex')}`, sessionTimeoutMs: 10_000 } },
    },
    clock,
  );
  tenant = await signUp(cp.url, 'Shadow Week');
  const key = tenant.key;
  const agentIds: Record<string, string> = {};
  const agentTokens: Record<string, string> = {};
  for (const name of ['crm-agent', 'sync-agent', 'billing-agent']) {
    const registered = await ok(call(cp.url, 'POST', '/v1/agents', { key, body: { name } }), 201);
    agentIds[name] = registered.body.agent.id;
    agentTokens[name] = registered.body.token;
  }
  await ok(
    call(cp.url, 'POST', '/v1/credentials', {
      key,
      body: { name: 'CRM', kind: 'oauth_token', provider: 'salesforce', token: tokens.crm, agentIds: [agentIds['crm-agent'], agentIds['sync-agent']], allowedLocations: { regions: ['eu-west-1'] } },
    }),
    201,
  );
  await ok(call(cp.url, 'POST', '/v1/credentials', { key, body: { name: 'Billing', kind: 'api_key', provider: 'stripe', token: tokens.billing, agentIds: [agentIds['billing-agent']] } }), 201);
  await ok(call(cp.url, 'PUT', '/v1/policy', { key, body: { source: GUARDRAILS }, headers: { 'if-none-match': '*' } }));
  const enforcerToken = (await ok(call(cp.url, 'POST', '/v1/enforcers', { key, body: { name: 'edge-1' } }), 201)).body.token as string;
  const publicKey = (await ok(call(cp.url, 'GET', '/v1/distribution/public-key'))).body.publicKey as string;

  log = new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 10_000 });
  enforcer = await startEnforcer({
    enforcerId: 'edge-1',
    listen: { host: '127.0.0.1', port: 0 },
    // The simulated week jumps the enforcer's clock by hours: no reconnect, and no stale config, for a silence that never was.
    controlPlane: { address: cp.grpcAddress!, token: enforcerToken, tenantIds: [tenant.tenantId], serverTimeoutMs: 30 * DAY },
    maxStalenessMs: 30 * DAY,
    trustedKeys: keyring([verifierFromPublicKey(publicKey)]),
    signer: signerFromSeed(generateSigningKey()),
    decisionLog: log,
    clock: () => enforcerNow,
  });
  await waitFor('the enforcer to activate the tenant (policy version 1)', () => enforcer.store.get(tenant.tenantId)?.policyVersion === 1n);
  clients.crm = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'crm-agent', token: agentTokens['crm-agent']! });
  clients.sync = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'sync-agent', token: agentTokens['sync-agent']! });
  clients.billing = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'billing-agent', token: agentTokens['billing-agent']! });

  // The week, in time order: ordinary work with the unsafe calls among it.
  const unsafeCalls = new Set(injected());
  const week = [...ordinaryWeek(), ...unsafeCalls].sort((x, y) => x.at - y.at);
  for (const c of week) {
    const answer = await decide(c);
    (unsafeCalls.has(c) ? unsafe : legitimate).push(answer.decisionId);
    // The trial is in shadow mode: the injected calls would have been denied, the rest not.
    expect(answer.shadow, `${c.agent} ${c.tool} at ${new Date(c.at).toISOString()} (${answer.why})`).toBe(unsafeCalls.has(c));
  }
  const repository = cp.app.get(DecisionRecordsRepository);
  await waitFor(
    `${week.length} decisions ingested from Kafka`,
    async () => (await repository.inWindow(tenant.tenantId, { from: new Date(T0), to: new Date(T0 + 7 * DAY) })).length === week.length,
    60_000,
  );
  clock.current = new Date(T0 + 7 * DAY);
}, 240_000);

afterAll(async () => {
  for (const c of Object.values(clients)) c?.close();
  await enforcer?.stop();
  await cp?.close();
  await role?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the recommended policy of a shadow week, published and replayed', () => {
  let report: { id: string; report: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  let published: string;

  it('the day-seven report counts the week exactly and flags only the injected calls', async () => {
    report = (await ok(call(cp.url, 'POST', '/v1/shadow-reports', { key: tenant.key }), 201)).body;
    const r = report.report;
    expect(r.window).toMatchObject({ from: new Date(T0).toISOString(), to: new Date(T0 + 7 * DAY).toISOString() });
    expect(r.totals).toMatchObject({ calls: legitimate.length + unsafe.length, allowed: legitimate.length, wouldDeny: unsafe.length, denied: 0, agents: 3 });
    expect(legitimate).toHaveLength(7 * (10 * 4 + 5 * 2 + 5 * 2 + 10 + 2));
    expect(Object.fromEntries(r.wouldBlock.byRule.map((b: { ruleId: string; calls: number }) => [b.ruleId, b.calls]))).toEqual({
      'no-drops': 2,
      'crm-delete-blast-radius': 1,
      'crm-fabrication': 3,
      [`credential:${fingerprint(tokens.crm)}`]: 1,
    });
    expect(r.credentials.sharedByAgents.map((c: { fingerprint: string; agents: Array<{ agentId: string }> }) => [c.fingerprint, c.agents.map((a) => a.agentId)])).toEqual([
      [fingerprint(tokens.crm), ['crm-agent', 'sync-agent']],
    ]);
    expect(r.credentials.newLocations.map((l: { dimension: string; value: string }) => `${l.dimension} ${l.value}`)).toEqual(['network 198.51.100.0/24', 'region us-east-1']);
    expect(r.recommendedPolicy.valid).toBe(true);
    expect(r.recommendedPolicy.allowLists).toEqual([
      { agentId: 'billing-agent', ruleId: 'allow.billing-agent', tools: ['billing.pay', 'billing.read_invoices'] },
      { agentId: 'crm-agent', ruleId: 'allow.crm-agent', tools: ['crm.delete_records', 'crm.insert_records', 'crm.read_contacts', 'crm.update_contact'] },
      { agentId: 'sync-agent', ruleId: 'allow.sync-agent', tools: ['crm.read_contacts'] },
    ]);
    expect(r.recommendedPolicy.basedOn.currentPolicy).toEqual({ version: 1, carried: ['no-drops', 'crm-delete-blast-radius', 'crm-fabrication'], dropped: ['reads-ok'] });
  });

  it('is published through the API as is', async () => {
    const put = await ok(call(cp.url, 'PUT', '/v1/policy', { key: tenant.key, body: { source: report.report.recommendedPolicy.source }, headers: { 'if-match': '"1"' } }));
    expect(put.body).toMatchObject({ currentVersion: 2, mode: 'enforce' });
    published = (await ok(call(cp.url, 'GET', '/v1/policy', { key: tenant.key }))).body.current.source;
    expect(published).toBe(report.report.recommendedPolicy.source);
  });

  it('replaying the week against it changes no legitimate call and denies exactly the injected unsafe calls', async () => {
    const replay = (await ok(call(cp.url, 'POST', '/v1/policy/replays', { key: tenant.key, body: { source: published, window: { from: new Date(T0).toISOString(), to: new Date(T0 + 7 * DAY).toISOString() } } }), 201)).body;
    expect(replay.result.totals).toMatchObject({ recorded: legitimate.length + unsafe.length, replayed: legitimate.length + unsafe.length, skipped: 0, changed: unsafe.length, newlyDenied: unsafe.length, newlyAllowed: 0, denied: unsafe.length });
    expect(new Set(replay.result.changedDecisionIds)).toEqual(new Set(unsafe));
    expect(replay.result.changedDecisionIds.filter((id: string) => legitimate.includes(id))).toEqual([]);
    expect(replay.result.changes.map((c: { decisionId: string; recorded: string; replayed: string }) => [c.decisionId, c.recorded, c.replayed])).toEqual(unsafe.map((id) => [id, 'would_deny', 'deny']));
    // Per rule: the drops by the kept guardrail (and the allow-lists' default deny for the sync agent), the rest by theirs.
    const byRule = Object.fromEntries(replay.result.byRule.map((b: { ruleId: string; newlyDenied: number }) => [b.ruleId, b.newlyDenied]));
    expect(byRule).toMatchObject({ 'no-drops': 2, 'crm-delete-blast-radius': 1, 'crm-fabrication': 3, [`credential:${fingerprint(tokens.crm)}`]: 1 });
    // The stored replay says the same.
    const stored = (await ok(call(cp.url, 'GET', `/v1/policy/replays/${replay.id}`, { key: tenant.key }))).body;
    expect(stored.result.changedDecisionIds).toEqual(replay.result.changedDecisionIds);
    expect(stored).toMatchObject({ calls: legitimate.length + unsafe.length, changed: unsafe.length });
  });

  it('against the verdicts of the policy in force, the recommendation changes nothing', async () => {
    const replay = (await ok(call(cp.url, 'POST', '/v1/policy/replays', { key: tenant.key, body: { source: published, baseline: 'verdict' } }), 201)).body;
    expect(replay.result.window).toEqual({ from: new Date(T0).toISOString(), to: new Date(T0 + 7 * DAY).toISOString() });
    expect(replay.result.totals).toMatchObject({ changed: 0, denied: unsafe.length });
  });
});
