// Issue 9, acceptance 1 and 3, across the real pieces in one process: the control plane on
// Postgres (its decision read model fed from Kafka), an enforcer on its config stream
// publishing decisions to the real Kafka broker, agents calling Decide over gRPC. The
// baselines are learned by the control plane from the traffic the enforcer decided and
// recorded, and reach the enforcer in its snapshot; the drift checks run in the enforcer.
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Effect, Outcome, RuleKind, TenantMode, type DecideResponse } from '@thoth/contracts';
import { generateSigningKey, signerFromSeed } from '@thoth/snapshot';
import { createTestTopics } from '@thoth/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionIngestion } from '../../../apps/control-plane/src/modules/decisions/index.js';
import type { ControlPlane } from '../../../apps/control-plane/src/control-plane.js';
import { call, createAppLoginRole, FixedClock, startControlPlane } from '../../../apps/control-plane/test/integration/support/control-plane.js';
import type { RunningEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { agentClient, waitFor, type AgentClient } from '../enforcers/harness.js';
import { CRM_FINGERPRINT as FP, crmTenant, rollouts, startEdgeEnforcer, USUAL_CRM_CALL, edgeControlPlaneConfig } from './governed-edge.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2); // a Monday, 00:00 UTC
const POLICY = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: crm-governed, version: "1"}
defaults: {effect: allow}
drift:
  action: deny
  minObservations: 100
`;

describe('credential governance through a real enforcer, Kafka and the control plane', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-cg-'));
  const signingKey = generateSigningKey();
  const cpClock = new FixedClock(new Date(T0));
  let now = T0;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let cp: ControlPlane;
  let enforcer: RunningEnforcer;
  let tenant: { tenantId: string; key: string };
  const agents: Record<'crm' | 'report', AgentClient> = {} as Record<'crm' | 'report', AgentClient>;
  let sent = 0;

  /** One call of an agent at enforcer time `at`, with the CRM credential, from the usual place unless told otherwise. */
  const decide = async (who: 'crm' | 'report', at: number, request: Record<string, unknown> = {}): Promise<DecideResponse> => {
    now = at;
    sent++;
    return agents[who].decide({
      ...USUAL_CRM_CALL,
      requestedAt: timestampFromMs(at),
      ...request,
    });
  };
  const drift = (answer: DecideResponse) => answer.matchedRules.filter((r) => r.kind === RuleKind.DRIFT);
  const ingested = () => waitFor(`${sent} decisions in the read model`, () => cp.app.get(DecisionIngestion).totals().inserted >= sent, 60_000);
  let rolledOut: ReturnType<typeof rollouts>;

  beforeAll(async () => {
    const [topic] = (await createTestTopics([{ name: `cg-decisions-${randomBytes(3).toString('hex')}` }])) as [string];
    role = await createAppLoginRole();
    cp = await startControlPlane(role.url, edgeControlPlaneConfig({ dataDir, signingKey, topic, group: 'cg' }), cpClock);
    const { agents: registered, ...signedUp } = await crmTenant(cp, 'Governed', POLICY);
    tenant = signedUp;
    const publicKey = (await call(cp.url, 'GET', '/v1/distribution/public-key')).body.publicKey as string;
    expect(publicKey).toBe(Buffer.from(signerFromSeed(signingKey).publicKey).toString('base64'));
    // The test moves the enforcer's clock by hours: the stream must not take that for a silent server.
    enforcer = await startEdgeEnforcer(cp, tenant.key, { topic, clock: () => now, serverTimeoutMs: 30 * DAY });
    agents.crm = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'crm-agent', token: registered['crm-agent']!.token });
    agents.report = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'report-agent', token: registered['report-agent']!.token });
    rolledOut = rollouts(cp, tenant.tenantId, enforcer);
    await rolledOut();
  });

  afterAll(async () => {
    for (const a of Object.values(agents)) a.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await cp?.close();
    await role?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('learns baselines from a day of recorded traffic and ships them to the enforcer', async () => {
    // The shadow trial's first day: crm-agent at work 08:00-17:59 UTC, a call every 30 s.
    for (let i = 0, t = T0 + 8 * HOUR; t < T0 + 18 * HOUR; t += 30_000, i++) {
      const east = i % 5 === 0;
      const answer = await decide('crm', t, {
        tool: i % 4 === 0 ? 'crm.update_contact' : 'crm.read_contacts',
        resource: `${i % 3 === 0 ? 'crm/companies' : 'crm/contacts'}/${i}`,
        source: { ip: `10.20.${east ? 2 : 1}.${1 + (i % 200)}`, region: east ? 'us-east-1' : 'eu-west-1' },
      });
      expect(answer.effect).toBe(Effect.ALLOW);
    }
    await ingested();
    cpClock.current = new Date(T0 + DAY);
    const learned = await call(cp.url, 'POST', '/v1/baselines/learn', { key: tenant.key });
    expect(learned.body).toMatchObject({ decisionsRead: sent, decisionsLearnedFrom: sent, subjects: 2, recorded: 2 });
    const credential = (await call(cp.url, 'GET', `/v1/baselines?subject=credential&id=${FP}`, { key: tenant.key })).body.items[0];
    expect(credential).toMatchObject({
      observations: 1_200,
      resourceClasses: ['crm/companies', 'crm/contacts'],
      regions: ['eu-west-1', 'us-east-1'],
      networks: ['10.20.1.0/24', '10.20.2.0/24'],
      tools: ['crm.read_contacts', 'crm.update_contact'],
      peakPerMinute: 2,
      peakPer10Minutes: 20,
      activeHoursUtc: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    });
    await rolledOut((config) => config.baselines.length === 2); // the credential's and crm-agent's
  });

  it('in the shadow trial a drifting call is a would-deny naming the drift', async () => {
    const answer = await decide('crm', T0 + DAY + 10 * HOUR, { source: { ip: '203.0.113.9', region: 'ap-south-1' } });
    expect(answer).toMatchObject({ effect: Effect.ALLOW, shadow: true });
    expect(answer.receipt?.outcome).toBe(Outcome.WOULD_DENY);
    expect(drift(answer).map((r) => [r.ruleId, r.effect])).toEqual([
      ['drift:credential:locations', 'deny'],
      ['drift:agent:locations', 'deny'],
    ]);
  });

  it('acceptance 3 (shadow): a credential used by an agent it was never linked to is reported within that one decision', async () => {
    const answer = await decide('report', T0 + DAY + 10 * HOUR + 60_000);
    expect(answer).toMatchObject({ effect: Effect.ALLOW, shadow: true });
    expect(answer.receipt?.outcome).toBe(Outcome.WOULD_DENY);
    const rule = answer.matchedRules.find((r) => r.kind === RuleKind.CREDENTIAL);
    expect(rule).toMatchObject({ ruleId: `credential:${FP}`, effect: 'deny', reason: `credential ${FP} used outside its binding: agent 'report-agent' may not use it` });
    // Once that decision is in the read model the inventory shows it: same transaction, no second read needed.
    const recorded = await waitFor('the decision in the read model', async () => {
      const r = await call(cp.url, 'GET', `/v1/decisions/${answer.decisionId}`, { key: tenant.key });
      return r.status === 200 ? r.body : undefined;
    });
    expect(recorded).toMatchObject({ outcome: 'would_deny', agentId: 'report-agent' });
    const inventory = (await call(cp.url, 'GET', '/v1/credentials/inventory?finding=unlinked_agent', { key: tenant.key })).body;
    expect(inventory.items).toHaveLength(1);
    expect(inventory.items[0]).toMatchObject({ fingerprint: FP, findings: ['shared', 'unlinked_agent'], credential: { name: 'Salesforce prod', linkedAgents: ['crm-agent'] } });
    expect(inventory.items[0].agents.find((a: { agent: string }) => a.agent === 'report-agent')).toMatchObject({ linked: false, calls: 1, denied: 1, lastDecisionId: answer.decisionId });
  });

  describe('once the tenant enforces', () => {
    beforeAll(async () => {
      expect((await call(cp.url, 'PUT', '/v1/tenant/mode', { key: tenant.key, body: { mode: 'enforce' } })).status).toBe(200);
      await rolledOut((config) => config.mode === TenantMode.ENFORCE);
    });
    const day2 = T0 + DAY;

    it('normal use is not caught', async () => {
      for (let i = 0, t = day2 + 11 * HOUR; i < 60; t += 30_000, i++) {
        const answer = await decide('crm', t, { resource: `crm/contacts/${1000 + i}`, source: { ip: `10.20.2.${i + 1}`, region: 'us-east-1' }, tool: 'crm.update_contact' });
        expect(answer.effect).toBe(Effect.ALLOW);
        expect(drift(answer)).toEqual([]);
      }
    });

    it('catches the same credential from a new location, with a reason naming it', async () => {
      const answer = await decide('crm', day2 + 12 * HOUR, { source: { ip: '203.0.113.9', region: 'ap-south-1' } });
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer.receipt?.outcome).toBe(Outcome.DENY);
      expect(drift(answer).find((r) => r.ruleId === 'drift:credential:locations')?.reason).toBe(
        `credential ${FP.slice(0, 12)}… used from region ap-south-1 and network 203.0.113.0/24, never seen in its baseline (regions eu-west-1, us-east-1; networks 10.20.1.0/24, 10.20.2.0/24)`,
      );
    });

    it('catches the same credential on a new resource', async () => {
      const answer = await decide('crm', day2 + 12 * HOUR + 30_000, { resource: 'https://api.stripe.com/v1/charges' });
      expect(answer.effect).toBe(Effect.DENY);
      expect(drift(answer).find((r) => r.ruleId === 'drift:credential:resources')?.reason).toBe(
        `credential ${FP.slice(0, 12)}… touched resource class 'https://api.stripe.com/v1', never seen in its baseline (crm/companies, crm/contacts)`,
      );
    });

    it('catches the same credential at ten times its usual rate, saying by how much', async () => {
      // Usual: 2 calls a minute. Now 20 a minute (one every 3 s), from the usual place, on the usual resources.
      const start = day2 + 13 * HOUR;
      let caught: DecideResponse | undefined;
      let calls = 0;
      for (let t = start; t < start + 60_000 && caught === undefined; t += 3_000) {
        const answer = await decide('crm', t);
        calls++;
        if (drift(answer).some((r) => r.ruleId === 'drift:credential:rate')) caught = answer;
        else expect(answer.effect).toBe(Effect.ALLOW);
      }
      expect(caught, 'caught within the first minute').toBeDefined();
      expect(caught!.effect).toBe(Effect.DENY);
      expect(calls).toBe(10); // 10 calls in a minute: 5× the peak of 2 (the default factor), and the minCalls floor
      expect(drift(caught!).find((r) => r.ruleId === 'drift:credential:rate')?.reason).toBe(`credential ${FP.slice(0, 12)}… rate 10 calls/1m is 5.0× the baseline peak of 2 (drift from 5×)`);
      // The decision stream carries the drift, with what it did, into the read model.
      await ingested();
      const recorded = (await call(cp.url, 'GET', `/v1/decisions/${caught!.decisionId}`, { key: tenant.key })).body;
      expect(recorded.matchedRules).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'drift:credential:rate', kind: 'drift', effect: 'deny' })]));
    });

    it('acceptance 3 (enforce): the agent it was never linked to is denied', async () => {
      const answer = await decide('report', day2 + 14 * HOUR);
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer.receipt?.outcome).toBe(Outcome.DENY);
      expect(answer.matchedRules.find((r) => r.kind === RuleKind.CREDENTIAL)?.reason).toBe(`credential ${FP} used outside its binding: agent 'report-agent' may not use it`);
      const recorded = await waitFor('the denial in the read model', async () => {
        const r = await call(cp.url, 'GET', `/v1/decisions/${answer.decisionId}`, { key: tenant.key });
        return r.status === 200 ? r.body : undefined;
      });
      expect(recorded.outcome).toBe('deny');
      const inventory = (await call(cp.url, 'GET', '/v1/credentials/inventory', { key: tenant.key })).body;
      expect(inventory.items[0].agents.find((a: { agent: string }) => a.agent === 'report-agent')).toMatchObject({ linked: false, calls: 2, denied: 2, lastDecisionId: answer.decisionId });
    });
  });
});
