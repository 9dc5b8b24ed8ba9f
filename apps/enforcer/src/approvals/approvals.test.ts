// The DecisionService's approval paths that need a clock of their own: a stale snapshot denies a
// call before its approval is used, and a strict limit that asks for approval is decided after
// its lease and then has the approval used, on one pending answer. The control plane is scripted
// here; apps/enforcer/test/integration/approvals.test.ts runs the same paths over real gRPC.
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AgentStatus,
  ApprovalStep_Kind,
  ConsumeApprovalResponse_Result as Result,
  DecideRequestSchema,
  Effect,
  EnforcerConfigSchema,
  FailMode,
  PolicyFormat,
  TenantMode,
  type ConsumeApprovalResponse,
  type DecisionEvent,
  type Lease,
} from '@thoth/contracts';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { policyYaml } from '@thoth/testing/policy-yaml';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecisionService } from '../decide/decision-service.js';
import { EnforcerMetrics } from '../decide/metrics.js';
import { InProcessDecisionLog } from '../emit/in-process-decision-log.js';
import { LeasedBudgets } from '../fleet/leases.js';
import { activate } from '../sync/activate.js';
import { ActiveSnapshots } from '../sync/active-snapshots.js';
import { ConfigStaleness } from '../sync/config-staleness.js';
import { Approvals, type ConsumeApprovalInit } from './approvals.js';

const TENANT = '7e0a0000-0000-4000-8000-00000000a9a1';
const TOKEN = 'thoth_at_approvals_unit';
const PEER = '127.0.0.1';
const enc = (s: string) => new TextEncoder().encode(s);
const cp = signerFromSeed(generateSigningKey());

const POLICY = policyYaml('approvals-unit', 1, `evaluation: {budget: 1s}
rules:
  - id: refunds
    match: {tools: ["payments.refund"]}
    effect: approve
  - id: transfers
    match: {tools: ["payments.transfer"]}
    effect: approve
limits:
  - id: payouts
    match: {tools: ["payments.payout"]}
    window: {duration: 1h, maxCalls: 10}
    consistency: strict
    effect: approve
  - id: transfers-per-hour
    match: {tools: ["payments.transfer"]}
    window: {duration: 1h, maxCalls: 100}
`);

function setup(options: { maxStalenessMs?: number; lease?: () => Lease; state?: WindowState } = {}) {
  let now = 1_700_000_000_000;
  const confirmedAt = now;
  const store = new ActiveSnapshots();
  const config = create(EnforcerConfigSchema, {
    tenantId: TENANT,
    version: 1n,
    mode: TenantMode.ENFORCE,
    failMode: FailMode.CLOSED,
    policy: { version: 1n, format: PolicyFormat.YAML, content: enc(POLICY) },
    agents: [{ agentId: 'a', status: AgentStatus.ACTIVE, tokenSha256: [createHash('sha256').update(TOKEN).digest('hex')] }],
  });
  const activation = activate(store, signSnapshot(config, cp).signed, keyring([verifierFromPublicKey(cp.publicKey)]), now);
  if (!activation.ok) throw new Error(activation.message);
  const log = new InProcessDecisionLog({ capacity: 1_000 });
  const events: DecisionEvent[] = [];
  log.subscribe((batch) => void events.push(...batch));
  const metrics = new EnforcerMetrics({ store, decisionLog: log, sinceContactMs: () => undefined, ready: () => true });
  const consumed: ConsumeApprovalInit[] = [];
  const approvals = new Approvals({
    enforcerId: 'e',
    calls: {
      consume: (r) => {
        consumed.push(r);
        const answer: ConsumeApprovalResponse = { $typeName: 'thoth.config.v1.ConsumeApprovalResponse', result: Result.USED, decidedBy: 'user:bob' };
        return Promise.resolve(answer);
      },
      status: () => Promise.reject(new Error('not used')),
    },
    consumed: metrics.approvalsConsumed,
  });
  const leaseCall = options.lease;
  const budgets = leaseCall ? new LeasedBudgets({ enforcerId: 'e', call: () => Promise.resolve(leaseCall()), clock: () => now }) : undefined;
  const service = new DecisionService({
    enforcerId: 'e',
    store,
    state: options.state ?? new WindowState({ maxKeys: 1_000 }),
    signer: signerFromSeed(generateSigningKey()),
    decisionLog: log,
    metrics,
    maxArgumentsBytes: 1_024,
    approvals,
    ...(budgets ? { leases: { budgets, waitMs: 5_000 } } : {}),
    ...(options.maxStalenessMs !== undefined ? { staleness: new ConfigStaleness(options.maxStalenessMs, { unconfirmedMs: (t) => t - confirmedAt }) } : {}),
    clock: () => now,
  });
  const request = (init: { tool: string; approvalId?: string; requestId?: string }) =>
    create(DecideRequestSchema, { tenantId: TENANT, agentId: 'a', argumentsJson: enc('{"amount":900}'), ...init });
  return { service, events, consumed, request, advance: (ms: number) => (now += ms), now: () => now };
}

describe('a call presenting an approval', () => {
  it('on a stale snapshot is denied CONFIG_STALE before the approval is used', async () => {
    const { service, consumed, request, advance } = setup({ maxStalenessMs: 60_000 });
    advance(60_001);
    const { response } = await service.decide(request({ tool: 'payments.refund', approvalId: 'ap-1' }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE' });
    expect(consumed).toHaveLength(0);
    // Held calls are held, stale or not: the request is made (it lets nothing through).
    expect((await service.decide(request({ tool: 'payments.refund' }), TOKEN, PEER)).response.effect).toBe(Effect.REQUIRE_APPROVAL);
  });

  it('whose window counter cannot be kept (the window state is full) is denied WINDOW_KEYS_EXHAUSTED before the approval is used, failing closed', async () => {
    // One key in all: the payout's window takes it, the transfer's new key cannot be kept.
    const { service, consumed, request } = setup({ state: new WindowState({ maxKeys: 1 }) });
    expect((await service.decide(request({ tool: 'payments.payout' }), TOKEN, PEER)).response.effect).toBe(Effect.ALLOW);
    const { response } = await service.decide(request({ tool: 'payments.transfer', approvalId: 'ap-2' }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.DENY, errorCode: 'WINDOW_KEYS_EXHAUSTED' });
    expect(consumed).toHaveLength(0);
  });

  it('held by a strict limit whose fleet budget is spent: decided after the lease, then let through on the approval', async () => {
    const { service, events, consumed, request, now } = setup({
      // Nothing left in the fleet's budget for an hour.
      lease: () => ({ $typeName: 'thoth.config.v1.Lease', leaseId: '', calls: 0n, records: 0n, windowMs: 3_600_000n, maxCalls: 10n, maxRecords: 0n, retryAt: timestampFromMs(now() + 3_600_000) }),
    });
    const held = await service.decide(request({ tool: 'payments.payout', requestId: 'p-1' }), TOKEN, PEER);
    expect(held.response).toMatchObject({ effect: Effect.REQUIRE_APPROVAL, errorCode: '' });
    expect(held.response.matchedRules.map((m) => [m.ruleId, m.effect])).toEqual([['payouts', 'approve']]);
    // A fresh call presenting the approval waits for the lease first (a new key), then the approval.
    const fresh = setup({ lease: () => ({ $typeName: 'thoth.config.v1.Lease', leaseId: '', calls: 0n, records: 0n, windowMs: 3_600_000n, maxCalls: 10n, maxRecords: 0n, retryAt: timestampFromMs(now() + 3_600_000) }) });
    const pending = fresh.service.start(fresh.request({ tool: 'payments.payout', approvalId: held.response.decisionId, requestId: 'p-2' }), TOKEN, PEER);
    // A repeat while the first is still waiting gets that answer, and the approval is used once.
    const repeat = fresh.service.start(fresh.request({ tool: 'payments.payout', approvalId: held.response.decisionId, requestId: 'p-2' }), TOKEN, PEER);
    await Promise.all([pending.signed, repeat.signed]);
    expect(pending.result.response).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
    expect(repeat.result.response.decisionId).toBe(pending.result.response.decisionId);
    expect(fresh.consumed).toHaveLength(1);
    expect(fresh.consumed[0]).toMatchObject({ approvalId: held.response.decisionId, tool: 'payments.payout', decisionId: pending.result.response.decisionId });
    await new Promise((r) => setTimeout(r, 20));
    expect(fresh.events.find((e) => e.decisionId === pending.result.response.decisionId)?.approval).toMatchObject({ kind: ApprovalStep_Kind.USED, decidedBy: 'user:bob' });
    expect(consumed).toHaveLength(0);
    expect(events[0]?.approval?.kind).toBe(ApprovalStep_Kind.REQUESTED);
  });
});
