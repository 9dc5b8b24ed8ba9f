import { ApprovalStep_Kind, Effect, Outcome } from '@thoth/contracts';
import { generateSigningKey, publicKeyBase64, signerFromSeed } from '@thoth/snapshot';
import { withDatabase } from '@thoth/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../../apps/control-plane/src/control-plane.js';
import { ReceiptKeyPublisher } from '../../../apps/control-plane/src/distribution/index.js';
import { recordOfEvent } from '../../../apps/control-plane/src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey, signDecisionEvent } from '../../../apps/control-plane/src/modules/decisions/ingest/test-fixtures.js';
import { DecisionIngestion } from '../../../apps/control-plane/src/modules/decisions/index.js';
import { TenantDatabase } from '../../../apps/control-plane/src/platform/database/tenant-database.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from '../../../apps/control-plane/test/integration/support/control-plane.js';
import { startLedger, type RunningLedger } from '../../../apps/ledger/src/ledger.js';
import { eventually, ledgerTestContext, quietLog, type LedgerTestContext } from '../../../apps/ledger/test/support/ledger-harness.js';
import { edgeControlPlaneConfig } from '../credential-governance/governed-edge.js';

// Issue 17: a person's approval and rejection are decisions in the real ledger. The control plane
// publishes each, signed with its receipt key, to the decision topic, and that key in its receipt
// key directory (signed with its snapshot key, which the ledger trusts); the ledger folds both.

const NOW = Date.UTC(2026, 10, 2, 10, 0);
const ts = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: 0 });

describe('approvals in the ledger', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-approvals-ledger-'));
  const cpSigningKey = generateSigningKey();
  let ctx: LedgerTestContext;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let ledger: RunningLedger;
  let cp: ControlPlane;

  beforeAll(async () => {
    ctx = await ledgerTestContext(`approvals_${randomBytes(2).toString('hex')}`);
    await ctx.createTopic(1);
    ledger = await startLedger(ctx.config({ THOTH_CONFIG_PUBLIC_KEYS: publicKeyBase64(signerFromSeed(cpSigningKey)) }), quietLog);
    role = await createAppLoginRole();
    cp = await startControlPlane(
      withDatabase(role.url, new URL(ctx.ownerUrl).pathname.slice(1)),
      edgeControlPlaneConfig({ dataDir, signingKey: cpSigningKey, topic: ctx.topic, group: 'approvals-ledger', receiptKeysTopic: ctx.receiptKeysTopic }),
      new FixedClock(new Date(NOW)),
    );
  });

  afterAll(async () => {
    await cp?.close();
    await ledger?.stop();
    await role?.drop();
    await ctx?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('folds a signed approval and a signed rejection', async () => {
    const tenant = await signUp(cp.url, 'Ledgered Approvals');
    await registerReceiptKey(new TenantDatabase(cp.database), tenant.tenantId);
    const approver = (await call(cp.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'on-call', role: 'approver' } })).body.key as string;
    const requests = ['led-apr-1', 'led-apr-2'].map((id) => {
      const event = decisionEvent({
        tenantId: tenant.tenantId,
        decisionId: id,
        effect: Effect.REQUIRE_APPROVAL,
        shadow: false,
        approval: { kind: ApprovalStep_Kind.REQUESTED, requestId: id, expiresAt: ts(NOW + 3_600_000), ruleIds: ['no-crm-deletes'] },
      });
      event.receipt!.outcome = Outcome.APPROVAL_REQUIRED;
      return signDecisionEvent(event);
    });
    expect((await cp.app.get(DecisionIngestion).ingestor.ingest(requests.map((e) => ({ decision: recordOfEvent(e), from: 'test' })))).inserted).toBe(2);
    // The directory with the control plane's key for this tenant (republished when its enforcer announces a key; the test's was written directly).
    cp.app.get(ReceiptKeyPublisher).changed(tenant.tenantId);

    expect((await call(cp.url, 'POST', '/v1/approvals/led-apr-1/approve', { key: approver, body: { comment: 'ok' } })).status).toBe(200);
    expect((await call(cp.url, 'POST', '/v1/approvals/led-apr-2/reject', { key: approver, body: {} })).status).toBe(200);

    const folded = () =>
      ctx.owner.sql.query<{ decision_id: string; effect: number }>(
        `SELECT decision_id, effect FROM ledger_entries WHERE tenant_id = $1 AND agent_id = 'crm-agent' AND decision_id NOT LIKE 'led-apr-%' ORDER BY effect`,
        [tenant.tenantId],
      );
    await eventually(async () => (await folded()).length === 2, 'the approval and the rejection folded');
    expect((await folded()).map((r) => r.effect)).toEqual([Effect.ALLOW, Effect.DENY]);
    const quarantined = await ctx.owner.sql.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ledger_quarantine q WHERE q.tenant_id = $1 AND q.decision_id NOT LIKE 'led-apr-%'
         AND NOT EXISTS (SELECT 1 FROM ledger_quarantine_releases r WHERE r.quarantine_id = q.id)`,
      [tenant.tenantId],
    );
    expect(quarantined[0]!.n).toBe('0');
  });
});
