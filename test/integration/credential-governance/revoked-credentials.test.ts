// Issue 9 follow-up, across the real pieces in one process: a credential revoked, rotated
// or expired through the control plane's API is refused by a real enforcer on its config
// stream (fail closed when the tenant enforces, a would-deny in the shadow trial), whatever
// the policy's `credentials` section says, and the decisions reach the inventory through
// the real Kafka broker and Postgres.
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { Effect, Outcome, RevocationReason, RuleKind, Severity, TenantMode, type DecideResponse } from '@thoth/contracts';
import { generateSigningKey } from '@thoth/snapshot';
import { createTestTopics } from '@thoth/testing';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../../apps/control-plane/src/control-plane.js';
import { DecisionIngestion } from '../../../apps/control-plane/src/modules/decisions/index.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from '../../../apps/control-plane/test/integration/support/control-plane.js';
import type { RunningEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { agentClient, waitFor, type AgentClient } from '../enforcers/harness.js';
import { publishFirstPolicy, registerAgents, rollouts, startEdgeEnforcer, edgeControlPlaneConfig } from './governed-edge.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const EXPIRES_AT = T0 + 120 * MINUTE;
const TOKENS = { revoked: 'crm-oauth-token', rotated: 'github-token-1', rotatedNew: 'github-token-2', expiring: 'stripe-key' } as const;
const FP = Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, sha256(v)])) as Record<keyof typeof TOKENS, string>;
// Binding violations are only flagged here: a revoked credential is denied all the same.
const POLICY = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: lenient-credentials, version: "1"}
defaults: {effect: allow}
credentials:
  onViolation: flag
  unbound: allow
`;

describe('revoked, rotated-out and expired credentials through a real enforcer, Kafka and the control plane', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-revoked-'));
  const signingKey = generateSigningKey();
  const cpClock = new FixedClock(new Date(T0));
  let now = T0;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let cp: ControlPlane;
  let enforcer: RunningEnforcer;
  let tenant: { tenantId: string; key: string };
  let agent: AgentClient;
  const credentialIds: Record<string, string> = {};
  let sent = 0;

  /** One call of crm-agent with this credential at enforcer time `at`. */
  const decide = async (fingerprint: string, at: number): Promise<DecideResponse> => {
    now = at;
    sent++;
    return agent.decide({ tool: 'crm.read_contacts', resource: 'crm/contacts/17', credentialFingerprint: fingerprint, source: { ip: '10.20.1.9', region: 'eu-west-1' }, requestedAt: timestampFromMs(at) });
  };
  const credentialRule = (answer: DecideResponse) => answer.matchedRules.filter((r) => r.kind === RuleKind.CREDENTIAL);
  const ingested = () => waitFor(`${sent} decisions in the read model`, () => cp.app.get(DecisionIngestion).totals().inserted >= sent, 60_000);
  const inventory = async (finding: string) => (await call(cp.url, 'GET', `/v1/credentials/inventory?finding=${finding}`, { key: tenant.key })).body;
  let rolledOut: ReturnType<typeof rollouts>;

  beforeAll(async () => {
    const [topic] = (await createTestTopics([{ name: `revoked-decisions-${randomBytes(3).toString('hex')}` }])) as [string];
    role = await createAppLoginRole();
    cp = await startControlPlane(role.url, edgeControlPlaneConfig({ dataDir, signingKey, topic, group: 'revoked' }), cpClock);
    tenant = await signUp(cp.url, 'Revoking');
    const { 'crm-agent': registered } = await registerAgents(cp, tenant.key, ['crm-agent']);
    const agentId = registered!.id;
    for (const [name, token, expiresAt] of [
      ['revoked', TOKENS.revoked, null],
      ['rotated', TOKENS.rotated, null],
      ['expiring', TOKENS.expiring, new Date(EXPIRES_AT).toISOString()],
    ] as const) {
      const credential = await call(cp.url, 'POST', '/v1/credentials', {
        key: tenant.key,
        body: { name, kind: 'api_key', provider: 'acme', token, agentIds: [agentId], expiresAt },
      });
      expect(credential.status).toBe(201);
      credentialIds[name] = credential.body.id;
    }
    await publishFirstPolicy(cp, tenant.key, POLICY);
    // The test moves the enforcer's clock: the stream must not take that for a silent server.
    enforcer = await startEdgeEnforcer(cp, tenant.key, { topic, clock: () => now, serverTimeoutMs: 24 * 60 * MINUTE });
    agent = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'crm-agent', token: registered!.token });
    rolledOut = rollouts(cp, tenant.tenantId, enforcer);
    const first = await rolledOut();
    expect(first.revokedCredentials).toEqual([]);
  });

  afterAll(async () => {
    agent?.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await cp?.close();
    await role?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets every credential through while it is active', async () => {
    for (const fp of [FP.revoked, FP.rotated, FP.expiring]) {
      const answer = await decide(fp, T0 + MINUTE);
      expect(answer).toMatchObject({ effect: Effect.ALLOW, shadow: false });
      expect(credentialRule(answer)).toEqual([]);
    }
  });

  it('in the shadow trial: revoked through the API, carried by the next snapshot, a would-deny with the revocation reason', async () => {
    cpClock.current = new Date(T0 + 10 * MINUTE);
    expect((await call(cp.url, 'POST', `/v1/credentials/${credentialIds.revoked}/revoke`, { key: tenant.key, body: { reason: 'leaked in a public repo' } })).status).toBe(200);
    const config = await rolledOut((c) => c.revokedCredentials.length > 0);
    expect(config.revokedCredentials.map((r) => [r.credentialId, r.credentialFingerprint, r.reason, r.since && timestampMs(r.since)])).toEqual([
      [credentialIds.revoked, FP.revoked, RevocationReason.REVOKED, T0 + 10 * MINUTE],
    ]);
    expect(config.credentialBindings.map((b) => b.credentialFingerprint).sort()).toEqual([FP.expiring, FP.rotated].sort());

    const answer = await decide(FP.revoked, T0 + 11 * MINUTE);
    expect(answer).toMatchObject({ effect: Effect.ALLOW, shadow: true });
    expect(answer.receipt?.outcome).toBe(Outcome.WOULD_DENY);
    expect(credentialRule(answer)).toEqual([
      expect.objectContaining({
        ruleId: `credential:${FP.revoked}`,
        effect: 'deny',
        severity: Severity.CRITICAL,
        reason: `credential ${FP.revoked.slice(0, 12)}… was revoked at 2026-11-20T09:10:00.000Z; every call with it is denied`,
      }),
    ]);
  });

  describe('once the tenant enforces', () => {
    beforeAll(async () => {
      expect((await call(cp.url, 'PUT', '/v1/tenant/mode', { key: tenant.key, body: { mode: 'enforce' } })).status).toBe(200);
      await rolledOut((c) => c.mode === TenantMode.ENFORCE);
    });

    it('denies the revoked credential with the revocation reason, and the inventory lists it as revoked_in_use', async () => {
      const answer = await decide(FP.revoked, T0 + 12 * MINUTE);
      expect(answer).toMatchObject({ effect: Effect.DENY, shadow: false });
      expect(answer.receipt?.outcome).toBe(Outcome.DENY);
      expect(credentialRule(answer).map((r) => [r.ruleId, r.effect, r.reason])).toEqual([
        [`credential:${FP.revoked}`, 'deny', `credential ${FP.revoked.slice(0, 12)}… was revoked at 2026-11-20T09:10:00.000Z; every call with it is denied`],
      ]);
      await ingested();
      const recorded = (await call(cp.url, 'GET', `/v1/decisions/${answer.decisionId}`, { key: tenant.key })).body;
      expect(recorded).toMatchObject({ outcome: 'deny' });
      const listed = await inventory('revoked_in_use');
      expect(listed.items.map((i: { fingerprint: string }) => i.fingerprint)).toEqual([FP.revoked]);
      expect(listed.items[0]).toMatchObject({ findings: expect.arrayContaining(['revoked_in_use']), credential: { status: 'revoked', revokedAt: new Date(T0 + 10 * MINUTE).toISOString() } });
      expect(listed.items[0].agents).toEqual([expect.objectContaining({ agent: 'crm-agent', calls: 3, denied: 2, lastDecisionId: answer.decisionId })]);
    });

    it('denies a rotated-out fingerprint at once (no grace period), lets the new one through', async () => {
      cpClock.current = new Date(T0 + 20 * MINUTE);
      const rotated = await call(cp.url, 'POST', `/v1/credentials/${credentialIds.rotated}/rotate`, { key: tenant.key, body: { token: TOKENS.rotatedNew } });
      expect(rotated.status).toBe(200);
      const config = await rolledOut((c) => c.revokedCredentials.some((r) => r.credentialFingerprint === FP.rotated));
      expect(config.revokedCredentials.find((r) => r.credentialFingerprint === FP.rotated)).toMatchObject({ credentialId: credentialIds.rotated, reason: RevocationReason.ROTATED_OUT });

      const old = await decide(FP.rotated, T0 + 21 * MINUTE);
      expect(old.effect).toBe(Effect.DENY);
      expect(credentialRule(old).map((r) => [r.ruleId, r.severity, r.reason])).toEqual([
        [`credential:${FP.rotated}`, Severity.HIGH, `credential ${FP.rotated.slice(0, 12)}… was rotated out at 2026-11-20T09:20:00.000Z; use the new one`],
      ]);
      const current = await decide(FP.rotatedNew, T0 + 21 * MINUTE);
      expect(current.effect).toBe(Effect.ALLOW);
      expect(credentialRule(current)).toEqual([]);
      await ingested();
      expect((await inventory('rotated_out_in_use')).items.map((i: { fingerprint: string }) => i.fingerprint)).toEqual([FP.rotated]);
    });

    it('starts refusing an expiring credential at its expiry, on the snapshot it already runs', async () => {
      const running = enforcer.store.get(tenant.tenantId)!.version;
      const before = await decide(FP.expiring, EXPIRES_AT - 1);
      expect(before.effect).toBe(Effect.ALLOW);
      expect(credentialRule(before)).toEqual([]);
      const after = await decide(FP.expiring, EXPIRES_AT);
      expect(after.effect).toBe(Effect.DENY);
      expect(credentialRule(after).map((r) => r.reason)).toEqual([`credential ${FP.expiring.slice(0, 12)}… expired at 2026-11-20T11:00:00.000Z; every call with it is denied`]);
      const later = await decide(FP.expiring, EXPIRES_AT + MINUTE);
      expect(later.effect).toBe(Effect.DENY);
      expect([after.receipt?.configVersion, later.receipt?.configVersion]).toEqual([running, running]);
      expect(enforcer.store.get(tenant.tenantId)!.version).toBe(running);
      await ingested();
      expect((await inventory('expired_in_use')).items.map((i: { fingerprint: string }) => i.fingerprint)).toEqual([FP.expiring]);
    });
  });
});
