// Issue 9, SOC alerts from real decisions: an enforcer decides agents' calls against baselines
// the control plane learned from their recorded traffic; the decisions travel through the real
// Kafka broker to both the control plane (decision read model → alert outbox → signed webhook)
// and the ledger (append-only entries under signed checkpoints). A SOC's receiver, failing the
// first attempts of each alert, gets every block and every drift exactly once, checks the
// signature by recomputing the HMAC itself, verifies the receipt with the enforcer's public key
// alone, and follows the evidence link to a bundle that verifies with the ledger's key.
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { Effect, ReceiptSchema, RuleKind, TenantMode, type DecideResponse } from '@thoth/contracts';
import { generateSigningKey, keyring, publicKeyBase64, signerFromSeed, verifierFromPublicKey, verifyReceipt } from '@thoth/snapshot';
import { createTestTopics, withDatabase } from '@thoth/testing';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsConfig, WebhookReceiver } from '../../../apps/control-plane/test/integration/alerts.support.js';
import { call, createAppLoginRole, signUp, startControlPlane } from '../../../apps/control-plane/test/integration/support/control-plane.js';
import type { ControlPlane } from '../../../apps/control-plane/src/control-plane.js';
import { DecisionIngestion } from '../../../apps/control-plane/src/modules/decisions/index.js';
import type { RunningEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { verifyEvidenceBundle } from '../../../apps/ledger/src/evidence/verify-bundle.js';
import { startLedger, type RunningLedger } from '../../../apps/ledger/src/ledger.js';
import { ledgerTestContext, quietLog, type LedgerTestContext } from '../../../apps/ledger/test/support/ledger-harness.js';
import { agentClient, POLICY_V1, waitFor, type AgentClient } from '../enforcers/harness.js';
import { CRM_FINGERPRINT as FP, crmTenant, rollouts, startEdgeEnforcer, USUAL_CRM_CALL, edgeControlPlaneConfig } from './governed-edge.js';

const POLICY = `${POLICY_V1}drift:
  action: deny
  minObservations: 100
`;

interface AlertBody {
  alertId: string;
  tenantId: string;
  kind: 'block' | 'drift';
  severity: string;
  decision: { decisionId: string; agentId: string; outcome: string; shadow: boolean; matchedRules: Array<{ ruleId: string; kind: string; effect: string; reason: string }> };
  receipt: JsonValue;
  evidence: { url: string };
}

describe('SOC alerts from real decisions, with the receipt and the evidence link', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-cg-alerts-'));
  const cpSigningKey = generateSigningKey();
  const enforcerSigner = signerFromSeed(generateSigningKey());
  const receiver = new WebhookReceiver();
  let ctx: LedgerTestContext;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let ledger: RunningLedger;
  let cp: ControlPlane;
  let enforcer: RunningEnforcer;
  let tenant: { tenantId: string; key: string };
  let secret: string;
  const agents: Record<'crm' | 'report', AgentClient> = {} as Record<'crm' | 'report', AgentClient>;
  let sent = 0;
  let rolledOut: ReturnType<typeof rollouts>;
  /** What the test expects to be alerted: decision id → kind. */
  const expected = new Map<string, 'block' | 'drift'>();
  /** Decisions that must not raise an alert. */
  const quiet = new Set<string>();

  const decide = async (who: 'crm' | 'report', request: Record<string, unknown> = {}): Promise<DecideResponse> => {
    sent++;
    return agents[who].decide({ ...USUAL_CRM_CALL, ...request });
  };
  const ingested = () => waitFor(`${sent} decisions in the read model`, () => cp.app.get(DecisionIngestion).totals().inserted >= sent, 60_000);
  beforeAll(async () => {
    // A database of the file's own: the alert worker and the checkpointer serve every tenant in theirs.
    ctx = await ledgerTestContext(`cg_alerts_${randomBytes(2).toString('hex')}`);
    const [topic] = (await createTestTopics([{ name: `cg-alerts-${randomBytes(3).toString('hex')}`, numPartitions: 2 }])) as [string];
    ledger = await startLedger(ctx.config({ THOTH_LEDGER_TOPIC: topic, THOTH_CONFIG_PUBLIC_KEYS: publicKeyBase64(signerFromSeed(cpSigningKey)) }), quietLog);
    role = await createAppLoginRole();
    cp = await startControlPlane(withDatabase(role.url, new URL(ctx.ownerUrl).pathname.slice(1)), {
      ...edgeControlPlaneConfig({ dataDir, signingKey: cpSigningKey, topic, group: 'cg-alerts', receiptKeysTopic: ctx.receiptKeysTopic }),
      alerts: alertsConfig({ ledgerPublicUrl: ledger.url! }),
    });
    const { agents: registered, ...signedUp } = await crmTenant(cp, 'Alerted', POLICY);
    tenant = signedUp;
    const destination = await call(cp.url, 'POST', '/v1/alert-destinations', { key: tenant.key, body: { kind: 'webhook', name: 'soc', url: `${await receiver.start()}/thoth` } });
    expect(destination.status).toBe(201);
    secret = destination.body.secret;
    receiver.secrets = [secret];
    receiver.failures = () => 2;
    enforcer = await startEdgeEnforcer(cp, tenant.key, { topic, signer: enforcerSigner });
    agents.crm = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'crm-agent', token: registered['crm-agent']!.token });
    agents.report = agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: 'report-agent', token: registered['report-agent']!.token });
    rolledOut = rollouts(cp, tenant.tenantId, enforcer);
    await rolledOut();

    // The trial's normal traffic, then baselines learned from it, shipped to the enforcer.
    for (let i = 0; i < 120; i++) {
      const answer = await decide('crm', { resource: `crm/contacts/${i}` });
      expect(answer.effect).toBe(Effect.ALLOW);
      quiet.add(answer.decisionId);
    }
    await ingested();
    const learned = await call(cp.url, 'POST', '/v1/baselines/learn', { key: tenant.key });
    expect(learned.body).toMatchObject({ decisionsLearnedFrom: 120, recorded: 2 });
    await rolledOut((config) => config.baselines.length === 2); // the credential's and crm-agent's
  });

  afterAll(async () => {
    for (const a of Object.values(agents)) a.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await cp?.close();
    await ledger?.stop();
    await receiver.stop();
    await role?.drop();
    await ctx?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('in the shadow trial: a drift is alerted; normal use and a non-drift would-deny are not', async () => {
    const normal = await decide('crm', { resource: 'crm/contacts/500' });
    expect(normal.effect).toBe(Effect.ALLOW);
    quiet.add(normal.decisionId);
    const moved = await decide('crm', { source: { ip: '203.0.113.9', region: 'ap-south-1' } });
    expect(moved).toMatchObject({ effect: Effect.ALLOW, shadow: true });
    expect(moved.matchedRules.filter((r) => r.kind === RuleKind.DRIFT).map((r) => r.ruleId)).toEqual(['drift:credential:locations', 'drift:agent:locations']);
    expected.set(moved.decisionId, 'drift');
    const intruder = await decide('report');
    expect(intruder).toMatchObject({ effect: Effect.ALLOW, shadow: true });
    quiet.add(intruder.decisionId); // the shadow report's credential findings cover it
  });

  it('once the tenant enforces: each block and each drift is alerted', async () => {
    expect((await call(cp.url, 'PUT', '/v1/tenant/mode', { key: tenant.key, body: { mode: 'enforce' } })).status).toBe(200);
    await rolledOut((config) => config.mode === TenantMode.ENFORCE);
    const normal = await decide('crm', { resource: 'crm/contacts/501' });
    expect(normal.effect).toBe(Effect.ALLOW);
    quiet.add(normal.decisionId);
    const newResource = await decide('crm', { resource: 'https://api.stripe.com/v1/charges' });
    expect(newResource.effect).toBe(Effect.DENY);
    expected.set(newResource.decisionId, 'drift');
    const unlinked = await decide('report');
    expect(unlinked.effect).toBe(Effect.DENY);
    expected.set(unlinked.decisionId, 'block');
    // (report-agent, with no credential: no baseline of its own and no binding, so only the rule denies it)
    const drop = await decide('report', { tool: 'db.drop_table', resource: 'crm/contacts', credentialFingerprint: '' });
    expect(drop.effect).toBe(Effect.DENY);
    expected.set(drop.decisionId, 'block');
  });

  it('delivers each alert exactly once through a receiver that fails twice first, signed, with a verifiable receipt', async () => {
    const accepted = await waitFor(
      `${expected.size} alerts accepted`,
      () => {
        const ok = receiver.requests.filter((r) => r.status === 200);
        return ok.length >= expected.size ? ok : undefined;
      },
      60_000,
    );
    // Nothing more arrives for the quiet decisions: every decision is in the read model by now.
    await ingested();
    await new Promise((r) => setTimeout(r, 500));
    const bodies = receiver.requests.filter((r) => r.status === 200).map((r) => JSON.parse(r.body) as AlertBody);
    expect(bodies).toHaveLength(accepted.length);
    expect(new Map(bodies.map((b) => [b.decision.decisionId, b.kind]))).toEqual(expected);
    expect(bodies.filter((b) => quiet.has(b.decision.decisionId))).toEqual([]);
    expect([...receiver.accepted.values()]).toEqual(bodies.map(() => 1));
    expect(receiver.requests).toHaveLength(3 * expected.size);

    const trusted = keyring([verifierFromPublicKey(publicKeyBase64(enforcerSigner))]);
    for (const request of receiver.requests) {
      // The signature, recomputed from the documented scheme over the raw bytes, not with Thoth's verifier.
      const timestamp = String(request.headers['thoth-timestamp']);
      const mac = createHmac('sha256', secret).update(`${timestamp}.${request.body}`, 'utf8').digest('hex');
      expect(String(request.headers['thoth-signature']).split(',')).toContain(`v1=${mac}`);
      const body = JSON.parse(request.body) as AlertBody;
      expect(request.headers['thoth-alert-id']).toBe(body.alertId);
      expect(body.tenantId).toBe(tenant.tenantId);
      const receipt = fromJson(ReceiptSchema, body.receipt);
      expect(receipt.decisionId).toBe(body.decision.decisionId);
      expect(verifyReceipt(receipt, trusted)).toMatchObject({ ok: true });
      expect(body.evidence.url).toBe(`${ledger.url}/v1/decisions/${body.decision.decisionId}/evidence`);
    }
    const reasons = bodies.flatMap((b) => b.decision.matchedRules.map((r) => `${b.kind} ${r.ruleId}: ${r.reason}`));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^drift drift:credential:locations: credential \w{12}… used from region ap-south-1 and network 203\.0\.113\.0\/24, never seen in its baseline/),
        expect.stringMatching(/^drift drift:credential:resources: credential \w{12}… touched resource class 'https:\/\/api\.stripe\.com\/v1', never seen in its baseline/),
        `block credential:${FP}: credential ${FP} used outside its binding: agent 'report-agent' may not use it`,
        'block no-drops: Nobody drops tables.',
      ]),
    );
  });

  it("follows each alert's evidence link to a bundle that verifies with the ledger's key alone", async () => {
    const auditor = await call(cp.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'soc-auditor', role: 'auditor' } });
    expect(auditor.status).toBe(201);
    const verifierKey = ((await (await fetch(`${ledger.url}/v1/verifier-key`)).json()) as { verifierKey: string }).verifierKey;
    expect(verifierKey).toBe(ctx.verifierKey);
    const bodies = receiver.requests.filter((r) => r.status === 200).map((r) => JSON.parse(r.body) as AlertBody);
    for (const body of bodies) {
      // The ledger signs a checkpoint over the entry within its interval.
      const bundle = await waitFor(
        `the evidence of ${body.decision.decisionId}`,
        async () => {
          const response = await fetch(body.evidence.url, { headers: { authorization: `Bearer ${auditor.body.key}` } });
          return response.status === 200 ? await response.text() : undefined;
        },
        30_000,
      );
      expect(verifyEvidenceBundle(bundle, verifierKey)).toMatchObject({ ok: true });
      expect(JSON.parse(bundle).entry).toMatchObject({ decisionId: body.decision.decisionId, tenantId: tenant.tenantId, effect: body.decision.shadow ? 'EFFECT_ALLOW' : 'EFFECT_DENY' });
    }
    // Another tenant's key gets nothing of it.
    const other = await signUp(cp.url, 'Elsewhere');
    const foreign = await fetch(bodies[0]!.evidence.url, { headers: { authorization: `Bearer ${other.key}` } });
    expect(foreign.status).toBe(404);
  });
});
