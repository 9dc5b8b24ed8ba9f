import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AgentStatus, DecideRequestSchema, Effect, EnforcerConfigSchema, FailMode, LeaseSchema, PolicyFormat, TenantMode, type Lease } from '@thoth/contracts';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { policyYaml } from '@thoth/testing/policy-yaml';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecisionService } from '../decide/decision-service.js';
import { InProcessDecisionLog } from '../emit/in-process-decision-log.js';
import { activate } from '../sync/activate.js';
import { ActiveSnapshots } from '../sync/active-snapshots.js';
import { LeasedBudgets, type LeaseRequestInit } from './leases.js';

const TENANT = '7e0a0000-0000-4000-8000-000000000001';
const TOKEN = 'thoth_at_leases';
const KEY = `L\u0000payouts\u0000${TENANT}\u0000a`;
const POLICY = policyYaml('strict', 1, `limits:
  - id: payouts
    match: {tools: ["pay.*"]}
    records: 'int(args.count)'
    window: {duration: 10m, maxCalls: 8, maxRecords: 40}
    consistency: strict
`);
const cp = signerFromSeed(generateSigningKey());

/** A DecisionService on LeasedBudgets whose control plane answers with `answer` (or never). */
function setup(answer: (r: LeaseRequestInit, now: number) => Promise<Lease>, options: { mode?: TenantMode; failMode?: FailMode } = {}) {
  let now = 1_700_000_000_000;
  const store = new ActiveSnapshots();
  const config = create(EnforcerConfigSchema, {
    tenantId: TENANT,
    version: 1n,
    mode: options.mode ?? TenantMode.ENFORCE,
    failMode: options.failMode ?? FailMode.CLOSED,
    policy: { version: 1n, format: PolicyFormat.YAML, content: new TextEncoder().encode(POLICY) },
    agents: [{ agentId: 'a', status: AgentStatus.ACTIVE, tokenSha256: [createHash('sha256').update(TOKEN).digest('hex')] }],
  });
  const activation = activate(store, signSnapshot(config, cp).signed, keyring([verifierFromPublicKey(cp.publicKey)]), now);
  if (!activation.ok) throw new Error(activation.message);
  const requests: LeaseRequestInit[] = [];
  const budgets = new LeasedBudgets({ enforcerId: 'e', call: (r) => (requests.push(r), answer(r, now)), clock: () => now });
  const service = new DecisionService({
    enforcerId: 'e',
    store,
    state: new WindowState(),
    signer: signerFromSeed(generateSigningKey()),
    decisionLog: new InProcessDecisionLog({ capacity: 1_000 }),
    maxArgumentsBytes: 1_024,
    leases: { budgets, waitMs: 50 },
    clock: () => now,
  });
  const pay = (count: number, requestId = '') => service.start(create(DecideRequestSchema, { tenantId: TENANT, agentId: 'a', tool: 'pay.send', requestId, argumentsJson: new TextEncoder().encode(JSON.stringify({ count })) }), TOKEN, '127.0.0.1');
  const answered = async (count: number, requestId = '') => {
    const pending = pay(count, requestId);
    await pending.signed;
    return pending.result.response;
  };
  return { service, budgets, requests, pay, answered, advance: (ms: number) => (now += ms) };
}

type LeaseInit = MessageInitShape<typeof LeaseSchema>;
const lease = (init: LeaseInit, now: number): Lease =>
  create(LeaseSchema, { windowMs: 600_000n, maxCalls: 8n, maxRecords: 40n, expiresAt: timestampFromMs(now + 10_000), ...init });
const never = () => new Promise<Lease>(() => {});

describe('strict limits on leased budgets', () => {
  it('asks for a quarter of the maxima once, then decides on what it holds without a round trip', async () => {
    const t = setup(async (r, now) => lease({ leaseId: 'l1', calls: r.wantCalls, records: r.wantRecords }, now));
    expect((await t.answered(5)).effect).toBe(Effect.ALLOW);
    expect(t.requests).toEqual([expect.objectContaining({ tenantId: TENANT, limitId: 'payouts', key: KEY, wantCalls: 2n, wantRecords: 10n })]);
    // Held: decided at once (the answer is there before `signed`), no request for more; the spent
    // lease is settled at once.
    const second = t.pay(5);
    expect(second.result.response.effect).toBe(Effect.ALLOW);
    expect(t.requests.slice(1)).toEqual([expect.objectContaining({ previousLeaseId: 'l1', usedCalls: 2n, usedRecords: 10n })]);
    expect(t.requests[1]!.wantCalls).toBeUndefined();
  });

  it('remembers retry_at: later calls are denied by the limit locally, told when to retry', async () => {
    const t = setup(async (_, now) => lease({ retryAt: timestampFromMs(now + 30_000) }, now));
    const first = await t.answered(1);
    expect(first.effect).toBe(Effect.DENY);
    expect(first.errorCode).toBe('');
    const second = t.pay(1);
    expect(second.result.response.matchedRules[0]!.reason).toMatch(/strict: this decider holds no budget for a call .*; the fleet's budget is spent until .* \(retry in 30 s\)$/);
    expect(t.requests).toHaveLength(1);
    t.advance(30_000);
    await t.answered(1);
    expect(t.requests).toHaveLength(2);
  });

  it('denies LEASE_UNAVAILABLE when the control plane does not answer, even for a tenant that fails open', async () => {
    const t = setup(never, { failMode: FailMode.OPEN });
    const answer = await t.answered(1);
    expect(answer).toMatchObject({ effect: Effect.DENY, shadow: false, errorCode: 'LEASE_UNAVAILABLE' });
    expect(answer.matchedRules.map((r) => r.ruleId)).toEqual(['payouts', 'enforcer.lease_unavailable']);
  });

  it('records a would-deny for a shadow-mode tenant', async () => {
    const t = setup(never, { mode: TenantMode.SHADOW });
    expect(await t.answered(1)).toMatchObject({ effect: Effect.ALLOW, shadow: true, errorCode: 'LEASE_UNAVAILABLE' });
  });

  it('gives a retry of a call still waiting for its lease the same answer', async () => {
    let grant: (l: LeaseInit) => void = () => {};
    const t = setup((_, now) => new Promise<Lease>((resolve) => (grant = (l) => resolve(lease(l, now)))));
    const first = t.pay(1, 'req-1');
    const again = t.pay(1, 'req-1');
    grant({ leaseId: 'l1', calls: 2n, records: 10n });
    await Promise.all([first.signed, again.signed]);
    expect(again.result.response.decisionId).toBe(first.result.response.decisionId);
    expect(first.result.response.effect).toBe(Effect.ALLOW);
  });

  it('settles what it used on stop, and a lease that cannot pay for another call at once', async () => {
    const t = setup(async (r, now) => lease(r.previousLeaseId ? {} : { leaseId: `l${t.requests.length}`, calls: 2n, records: 10n }, now));
    expect((await t.answered(4)).effect).toBe(Effect.ALLOW);
    expect((await t.answered(4)).effect).toBe(Effect.ALLOW);
    // Two records left: not enough for a call of four, settled with what was used.
    expect(t.requests.at(-1)).toMatchObject({ previousLeaseId: 'l1', usedCalls: 2n, usedRecords: 8n });
    expect((await t.answered(3)).effect).toBe(Effect.ALLOW);
    await t.budgets.stop();
    expect(t.requests.at(-1)).toEqual(expect.objectContaining({ previousLeaseId: 'l3', usedCalls: 1n, usedRecords: 3n }));
    expect(t.requests.at(-1)!.wantCalls).toBeUndefined();
    expect(t.budgets.held()).toBe(0);
  });
});
