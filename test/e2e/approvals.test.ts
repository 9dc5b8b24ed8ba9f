// Issue 17, acceptance 1 and 3: a person approves the exact call (docs/approvals.md). A real control
// plane (approvals API, config stream, ConsumeApproval, its own signed decisions), a real ledger and
// two real enforcers of one tenant on the real broker; the agent is the TypeScript SDK.
//
// A freeze over db.* whose exception for db.delete_rows asks for approval:
// - the SDK without waitMs raises ThothApprovalRequiredError with the request id; with waitMs it
//   waits (its retry presents the remembered request) until an approver key approves through the
//   API, and the call goes through once;
// - the same call again is held again (a new request); presenting the used approval is denied
//   APPROVAL_USED; a call with one argument changed is not covered (a new request; presenting an
//   approval explicitly: APPROVAL_MISMATCH);
// - a fresh approval presented by the same call at once to both enforcers: exactly one passes, the
//   other is denied APPROVAL_USED;
// - a rejection ends the SDK's wait with ThothDeniedError APPROVAL_REJECTED;
// - the ledger holds the request, the approval (naming the approver's key) and the use, each
//   believed (signed by a registered key), and the evidence bundle of the use verifies.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalStep_Kind, decodeDecisionEvent, Effect, TenantMode, type DecisionEvent } from '../../libs/contracts/src/index.js';
import { generateSigningKey, publicKeyBase64, signerFromSeed } from '../../libs/snapshot/src/index.js';
import { createTestTopics, withDatabase } from '../../libs/testing/src/index.js';
import { policyYaml } from '../../libs/testing/src/policy-yaml.js';
import { Thoth, ThothApprovalRequiredError, ThothClient, ThothDeniedError, type GuardEvent } from '../../libs/sdk/src/index.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { call, createAppLoginRole, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';
import type { RunningEnforcer } from '../../apps/enforcer/src/enforcer.js';
import { verifyEvidenceBundle } from '../../apps/ledger/src/evidence/verify-bundle.js';
import { startLedger, type RunningLedger } from '../../apps/ledger/src/ledger.js';
import { ledgerTestContext, pg, quietLog, type LedgerTestContext } from '../../apps/ledger/test/support/ledger-harness.js';
import { agentClient, waitFor, type AgentClient } from '../integration/enforcers/harness.js';
import { crmTenant, edgeControlPlaneConfig, rollouts, startEdgeEnforcer } from '../integration/credential-governance/governed-edge.js';

const POLICY = policyYaml(
  'approvals',
  1,
  `freezes:
  - id: change-freeze
    match: {tools: ["db.*"]}
    ranges:
      - {start: "2000-01-01T00:00Z", end: "2100-01-01T00:00Z"}
    exceptions:
      - name: on-call-delete
        tools: ["db.delete_rows"]
        effect: approve
    reason: Changes are frozen; the on-call engineer may approve a delete.
`,
);

interface Rows {
  table: string;
  ids: number[];
}
const ORDERS: Rows = { table: 'orders', ids: [17, 18] };
const encoder = new TextEncoder();
/** The call as the SDK sends it (JSON.stringify of the arguments, the resource from the table). */
const exactly = (rows: Rows) => ({ tool: 'db.delete_rows', argumentsJson: encoder.encode(JSON.stringify(rows)), resource: `db://${rows.table}`, credentialFingerprint: '' });

describe('approvals bound to the exact call, across two enforcers, on the record', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-approvals-'));
  const cpSigningKey = generateSigningKey();
  const signers = [signerFromSeed(generateSigningKey()), signerFromSeed(generateSigningKey())] as const;
  const enforcers: RunningEnforcer[] = [];
  const raw: AgentClient[] = [];
  const sdk: ThothClient[] = [];
  const events: GuardEvent[] = [];
  let ctx: LedgerTestContext;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let ledger: RunningLedger;
  let cp: ControlPlane;
  let admin: pg.Client;
  let tenant: { tenantId: string; key: string };
  /** The agent's name is its id on the wire (DecideRequest.agent_id). */
  let agent: { name: string; token: string };
  let approver: { key: string; id: string };
  let auditor: string;

  beforeAll(async () => {
    ctx = await ledgerTestContext(`approvals_${randomBytes(2).toString('hex')}`);
    const [topic] = (await createTestTopics([{ name: `approvals-${randomBytes(3).toString('hex')}`, numPartitions: 2 }])) as [string];
    ledger = await startLedger(ctx.config({ THOTH_LEDGER_TOPIC: topic, THOTH_CONFIG_PUBLIC_KEYS: publicKeyBase64(signerFromSeed(cpSigningKey)) }), quietLog);
    role = await createAppLoginRole();
    cp = await startControlPlane(
      withDatabase(role.url, new URL(ctx.ownerUrl).pathname.slice(1)),
      edgeControlPlaneConfig({ dataDir, signingKey: cpSigningKey, topic, group: 'approvals', receiptKeysTopic: ctx.receiptKeysTopic }),
    );
    admin = new pg.Client({ connectionString: ctx.adminUrl });
    await admin.connect();
    const { agents, ...created } = await crmTenant(cp, 'Approvals', POLICY);
    tenant = created;
    agent = { name: 'crm-agent', token: agents['crm-agent']!.token };
    expect((await call(cp.url, 'PUT', '/v1/tenant/mode', { key: tenant.key, body: { mode: 'enforce' } })).status).toBe(200);
    const issued = await call(cp.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'on-call engineer', role: 'approver' } });
    expect(issued.status).toBe(201);
    approver = { key: issued.body.key, id: issued.body.id };
    auditor = (await call(cp.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'auditor', role: 'auditor' } })).body.key as string;
    for (const [i, signer] of signers.entries()) {
      const enforcer = await startEdgeEnforcer(cp, tenant.key, { topic, signer, name: `edge-${i + 1}` });
      enforcers.push(enforcer);
      await rollouts(cp, tenant.tenantId, enforcer)((config) => config.mode === TenantMode.ENFORCE);
      raw.push(agentClient(enforcer.address, { tenantId: tenant.tenantId, agentId: agent.name, token: agent.token }));
    }
    await waitFor('the ledger to learn both enforcer keys', () => signers.every((s) => ledger.directory.keysOf(tenant.tenantId).has(s.keyId)), 30_000);
  });

  afterAll(async () => {
    for (const c of [...raw, ...sdk]) c.close();
    await Promise.all(enforcers.map((e) => e.stop({ drainTimeoutMs: 10_000 })));
    await cp?.close();
    await ledger?.stop();
    await admin?.end();
    await role?.drop();
    await ctx?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The agent's SDK client on enforcer `on` (0 or 1). */
  const sdkOn = (on: number) => {
    const client = new ThothClient({ address: enforcers[on]!.address, tenantId: tenant.tenantId, agentId: agent.name, agentToken: agent.token, deadlineMs: 10_000, transport: 'unary' });
    sdk.push(client);
    return client;
  };
  /** `db.delete_rows` guarded by `client` (destructive, the resource from the table); what ran goes to `deleted`. */
  const deleteRows = (client: ThothClient, deleted: Rows[], approval?: { waitMs: number }) =>
    new Thoth({ client, onDecision: (e) => events.push(e) }).guard(async (rows: Rows) => void deleted.push(rows), {
      name: 'db.delete_rows',
      risk: 'destructive',
      resource: (rows) => `db://${rows.table}`,
      ...(approval ? { approval } : {}),
    });
  const held = async (promise: Promise<unknown>): Promise<ThothApprovalRequiredError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ThothApprovalRequiredError);
    return error as ThothApprovalRequiredError;
  };
  const listed = async (approvalId: string) => {
    const answer = await call(cp.url, 'GET', '/v1/approvals', { key: approver.key });
    expect(answer.status).toBe(200);
    return (answer.body.items as Array<{ id: string }>).find((item) => item.id === approvalId);
  };
  const approve = async (approvalId: string) => {
    await waitFor(`approval request ${approvalId} to be listed`, () => listed(approvalId), 30_000);
    const answer = await call(cp.url, 'POST', `/v1/approvals/${approvalId}/approve`, { key: approver.key, body: { comment: 'one-off cleanup, ticket OPS-17' } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };
  /** The tenant's ledger entries with an approval step, decoded. */
  const ledgerSteps = async (): Promise<DecisionEvent[]> => {
    const { rows } = await admin.query<{ entry: Buffer }>('SELECT entry FROM ledger_entries WHERE tenant_id = $1 ORDER BY seq', [tenant.tenantId]);
    return rows.flatMap((row) => {
      const decoded = decodeDecisionEvent(new Uint8Array(row.entry));
      return decoded.ok && decoded.event.approval ? [decoded.event] : [];
    });
  };

  let firstRequest: string;
  let usedBy: string;
  let rejectedRequest: string;
  let racedRequest: string;

  it('the SDK raises ThothApprovalRequiredError at once without waitMs; with waitMs it waits, an approver approves through the API, the call goes through once', async () => {
    // Not a deny: a drop during the freeze is denied outright; a delete is held.
    expect((await raw[0]!.decide({ tool: 'db.drop_table', argumentsJson: encoder.encode('{"table":"orders"}'), resource: 'db://orders' })).effect).toBe(Effect.DENY);

    const client = sdkOn(0);
    const deleted: Rows[] = [];
    const error = await held(deleteRows(client, deleted)(ORDERS));
    expect(error.approvalId).toBe(error.decisionId);
    expect(error.approvalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(error.message).toContain(`approval request ${error.approvalId}`);
    expect(error.receipt?.decisionId).toBe(error.approvalId);
    firstRequest = error.approvalId;

    // An agent's token cannot decide approvals; nor can a key of another role.
    expect((await call(cp.url, 'POST', `/v1/approvals/${firstRequest}/approve`, { key: agent.token, body: {} })).status).toBe(401);
    expect((await call(cp.url, 'POST', `/v1/approvals/${firstRequest}/approve`, { key: auditor, body: {} })).status).toBe(403);

    // The model retries the same call: the client presents the request it remembers, which nobody
    // decided yet, so the call is still held on that same request.
    const early = await held(deleteRows(client, deleted)(ORDERS));
    expect(early.approvalId).toBe(firstRequest);
    expect(early.decisionId).not.toBe(firstRequest);

    // With waitMs the same call waits for the person, who approves through the API.
    const done = deleteRows(client, deleted, { waitMs: 60_000 })(ORDERS);
    await approve(firstRequest);
    await done;
    expect(deleted).toEqual([ORDERS]);
    const allowed = events.flatMap((e) => (e.outcome === 'allow' ? [e.decision] : []));
    expect(allowed).toHaveLength(1);
    usedBy = allowed[0]!.decisionId;
    expect(allowed[0]!.matchedRules.map((r) => r.ruleId)).toContain(`approval:${firstRequest}`);
  });

  it('a used approval lets nothing else through: the same call is held again, presenting it is APPROVAL_USED, other arguments are not covered', async () => {
    const deleted: Rows[] = [];
    const guarded = deleteRows(sdkOn(1), deleted);
    const again = await held(guarded(ORDERS));
    expect(again.approvalId).not.toBe(firstRequest);
    const used = await raw[1]!.decide({ ...exactly(ORDERS), approvalId: firstRequest });
    expect([used.effect, used.errorCode]).toEqual([Effect.DENY, 'APPROVAL_USED']);

    // Approve the new request; a call with one argument changed presenting it is a mismatch and uses nothing…
    await approve(again.approvalId);
    const other: Rows = { table: 'orders', ids: [17, 19] };
    const mismatch = await raw[0]!.decide({ ...exactly(other), approvalId: again.approvalId });
    expect([mismatch.effect, mismatch.errorCode]).toEqual([Effect.DENY, 'APPROVAL_MISMATCH']);
    // …and through the SDK (which presents nothing for other arguments) it is a request of its own.
    const own = await held(guarded(other));
    expect([firstRequest, again.approvalId]).not.toContain(own.approvalId);
    expect(deleted).toEqual([]);

    // The exact call presenting it, at once to both enforcers: exactly one passes.
    racedRequest = again.approvalId;
    const race = await Promise.all(raw.map((c) => c.decide({ ...exactly(ORDERS), approvalId: again.approvalId })));
    expect(race.map((d) => d.effect).sort()).toEqual([Effect.ALLOW, Effect.DENY].sort());
    expect(race.find((d) => d.effect === Effect.DENY)?.errorCode).toBe('APPROVAL_USED');

    // A rejection ends the SDK's wait with a denial that says so.
    const known = new Set([firstRequest, again.approvalId, own.approvalId]);
    const invoices: Rows = { table: 'invoices', ids: [3] };
    const waiting = deleteRows(sdkOn(1), deleted, { waitMs: 60_000 })(invoices).then(
      () => undefined,
      (e: unknown) => e,
    );
    const pending = await waitFor(
      'the invoices request to be listed',
      async () => ((await call(cp.url, 'GET', '/v1/approvals', { key: approver.key })).body.items as Array<{ id: string }>).find((item) => !known.has(item.id)),
      30_000,
    );
    rejectedRequest = pending.id;
    expect((await call(cp.url, 'POST', `/v1/approvals/${rejectedRequest}/reject`, { key: approver.key, body: { comment: 'not during the audit' } })).status).toBe(200);
    const rejection = await waiting;
    expect(rejection).toBeInstanceOf(ThothDeniedError);
    expect(rejection).toMatchObject({ code: 'APPROVAL_REJECTED' });
    expect((rejection as ThothDeniedError).message).toContain('not during the audit');
    expect(deleted).toEqual([]);
  });

  it('the ledger holds the request, the approval naming the approver, and the use, each believed; the use has a bundle that verifies', async () => {
    const steps = await waitFor('request, approval and use in the ledger', async () => {
      const all = await ledgerSteps();
      const of = (kind: ApprovalStep_Kind) => all.find((e) => e.approval?.kind === kind && e.approval.requestId === firstRequest);
      const [requested, approved, used] = [of(ApprovalStep_Kind.REQUESTED), of(ApprovalStep_Kind.APPROVED), of(ApprovalStep_Kind.USED)];
      const rejected = all.some((e) => e.approval?.kind === ApprovalStep_Kind.REJECTED && e.approval.requestId === rejectedRequest);
      const raced = all.filter((e) => e.approval?.requestId === racedRequest && (e.approval.kind === ApprovalStep_Kind.USED || e.approval.kind === ApprovalStep_Kind.REFUSED));
      return requested && approved && used && rejected && raced.length >= 3 ? { requested, approved, used, raced } : undefined;
    }, 60_000);
    expect(steps.requested.decisionId).toBe(firstRequest);
    expect(steps.requested.effect).toBe(Effect.REQUIRE_APPROVAL);
    expect(new TextDecoder().decode(steps.requested.retainedArgumentsJson)).toBe(JSON.stringify(ORDERS));
    expect(steps.approved.approval).toMatchObject({ decidedBy: `key:${approver.id}`, comment: 'one-off cleanup, ticket OPS-17' });
    expect(steps.approved.effect).toBe(Effect.ALLOW);
    expect([steps.approved.tool, steps.approved.argumentsDigest, steps.approved.resource]).toEqual([steps.requested.tool, steps.requested.argumentsDigest, steps.requested.resource]);
    expect(steps.used.decisionId).toBe(usedBy);
    expect(steps.used.effect).toBe(Effect.ALLOW);
    expect(steps.used.approval?.decidedBy).toBe(`key:${approver.id}`);
    const rejected = (await ledgerSteps()).find((e) => e.approval?.kind === ApprovalStep_Kind.REJECTED && e.approval.requestId === rejectedRequest);
    expect(rejected?.approval).toMatchObject({ decidedBy: `key:${approver.id}`, comment: 'not during the audit' });
    expect(rejected?.effect).toBe(Effect.DENY);
    // The race is on the record too: the mismatch and the loser refused (with their codes), one use.
    expect(steps.raced.map((e) => [ApprovalStep_Kind[e.approval!.kind], e.errorCode]).sort()).toEqual([
      ['REFUSED', 'APPROVAL_MISMATCH'],
      ['REFUSED', 'APPROVAL_USED'],
      ['USED', ''],
    ]);
    const { rows: quarantined } = await admin.query('SELECT decision_id FROM ledger_quarantine WHERE tenant_id = $1', [tenant.tenantId]);
    expect(quarantined).toEqual([]);

    const evidence = await waitFor('the evidence bundle of the use', async () => {
      const response = await fetch(`${ledger.url}/v1/decisions/${usedBy}/evidence`, { headers: { authorization: `Bearer ${auditor}` } });
      return response.status === 200 ? await response.text() : undefined;
    }, 30_000);
    const verified = verifyEvidenceBundle(evidence, ctx.verifierKey);
    expect(verified.ok ? 'verified' : `${verified.code}: ${verified.reason}`).toBe('verified');
    if (verified.ok) expect(verified.value.event.approval).toMatchObject({ kind: ApprovalStep_Kind.USED, requestId: firstRequest });
  });
});
