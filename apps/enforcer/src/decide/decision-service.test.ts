import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AgentStatus,
  DecideRequestSchema,
  DecideResponseSchema,
  DecisionEventSchema,
  Effect,
  EnforcerConfigSchema,
  FailMode,
  PolicyFormat,
  RiskTier,
  Severity,
  TenantMode,
  type DecisionEvent,
} from '@thoth/contracts';
import { messageEncoder } from '@thoth/grpc';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, signSnapshot, signerFromSeed, verifierFromPublicKey, verifyDecisionEvent } from '@thoth/snapshot';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InProcessDecisionLog } from '../emit/in-process-decision-log.js';
import { activate } from '../sync/activate.js';
import { ActiveSnapshots } from '../sync/active-snapshots.js';
import { ConfigStaleness } from '../sync/config-staleness.js';
import { DecisionService } from './decision-service.js';
import { EnforcerMetrics } from './metrics.js';
import { policyYaml } from '@thoth/testing/policy-yaml';

const POLICY = policyYaml('idempotency', 1, `limits:
  - id: one-delete
    match: {tools: ["crm.delete_*"]}
    window: {duration: 10m, maxCalls: 1}
    scope: agent
    reason: One delete per ten minutes.
tiers:
  - tools: ["crm.read_*"]
    tier: read
`);
const TOKEN = 'thoth_at_idem';
const PEER = '127.0.0.1';
const cp = signerFromSeed(generateSigningKey());
const receiptSigner = signerFromSeed(generateSigningKey());
const enc = (s: string) => new TextEncoder().encode(s);

function setup(idempotency?: { ttlMs?: number; maxEntries?: number }, options: { failMode?: FailMode; mode?: TenantMode; state?: WindowState; maxStalenessMs?: number; retainArguments?: boolean } = {}) {
  let now = 1_700_000_000_000;
  /** When the control plane last confirmed the config, with maxStalenessMs. */
  let confirmedAt = now;
  const store = new ActiveSnapshots();
  const config = create(EnforcerConfigSchema, {
    tenantId: '7e0a0000-0000-4000-8000-000000000001',
    version: 1n,
    mode: options.mode ?? TenantMode.ENFORCE,
    failMode: options.failMode ?? FailMode.CLOSED,
    retainArguments: options.retainArguments ?? false,
    policy: { version: 1n, format: PolicyFormat.YAML, content: enc(POLICY) },
    agents: [{ agentId: 'a', status: AgentStatus.ACTIVE, tokenSha256: [createHash('sha256').update(TOKEN).digest('hex')] }],
  });
  const activation = activate(store, signSnapshot(config, cp).signed, keyring([verifierFromPublicKey(cp.publicKey)]), now);
  if (!activation.ok) throw new Error(activation.message);
  const log = new InProcessDecisionLog({ capacity: 1_000 });
  const events: DecisionEvent[] = [];
  log.subscribe((batch) => void events.push(...batch));
  const metrics = new EnforcerMetrics({ store, decisionLog: log, sinceContactMs: () => undefined, ready: () => true });
  const service = new DecisionService({
    enforcerId: 'e',
    store,
    state: options.state ?? new WindowState({ maxKeys: 1_000 }),
    signer: receiptSigner,
    decisionLog: log,
    metrics,
    maxArgumentsBytes: 1_024,
    ...(idempotency ? { idempotency } : {}),
    ...(options.maxStalenessMs !== undefined ? { staleness: new ConfigStaleness(options.maxStalenessMs, { unconfirmedMs: (t) => t - confirmedAt }) } : {}),
    clock: () => now,
  });
  const request = (init: { requestId: string; tool?: string; args?: string; resource?: string; riskTier?: RiskTier; source?: { ip: string; region: string } }) =>
    create(DecideRequestSchema, {
      tenantId: '7e0a0000-0000-4000-8000-000000000001',
      agentId: 'a',
      tool: init.tool ?? 'crm.delete_contact',
      argumentsJson: enc(init.args ?? '{"id":1}'),
      resource: init.resource ?? '',
      requestId: init.requestId,
      riskTier: init.riskTier ?? RiskTier.UNSPECIFIED,
      ...(init.source ? { source: init.source } : {}),
    });
  const settle = () => new Promise((r) => setTimeout(r, 20));
  /** Activates the next config version with the agent suspended (the kill switch). */
  const suspend = () => {
    const next = create(EnforcerConfigSchema, { ...config, version: config.version + 1n, agents: [{ ...config.agents[0]!, status: AgentStatus.SUSPENDED }] });
    const r = activate(store, signSnapshot(next, cp).signed, keyring([verifierFromPublicKey(cp.publicKey)]), now);
    if (!r.ok) throw new Error(r.message);
  };
  return { service, events, metrics, request, settle, suspend, advance: (ms: number) => (now += ms), confirm: () => (confirmedAt = now) };
}

const bytes = (r: Parameters<typeof toBinary<typeof DecideResponseSchema>>[1]) => toBinary(DecideResponseSchema, r);

describe('DecisionService idempotency', () => {
  it('never replays an answer given under an older config: after a kill switch the retry is decided afresh, and denied', async () => {
    const { service, events, request, settle, suspend } = setup();
    const first = await service.decide(request({ requestId: 'r1', tool: 'crm.read_contact' }), TOKEN, PEER);
    expect(first.response.effect).toBe(Effect.ALLOW);
    suspend();
    const retry = await service.decide(request({ requestId: 'r1', tool: 'crm.read_contact' }), TOKEN, PEER);
    expect(retry.response.effect).toBe(Effect.DENY);
    expect(retry.response.decisionId).not.toBe(first.response.decisionId);
    await settle();
    expect(events.map((e) => e.requestId)).toEqual(['r1', 'r1']);
  });

  it('answers a repeated request_id with the first answer: decided, counted and recorded once', async () => {
    const { service, events, metrics, request, settle } = setup();
    const first = await service.decide(request({ requestId: 'r1' }), TOKEN, PEER);
    const again = await service.decide(request({ requestId: 'r1' }), TOKEN, PEER);
    expect(first.ok && again.ok).toBe(true);
    expect(first.response.effect).toBe(Effect.ALLOW);
    expect(bytes(again.response)).toEqual(bytes(first.response));
    // The window counted one call: a new request is over the limit of 1.
    const next = await service.decide(request({ requestId: 'r2' }), TOKEN, PEER);
    expect(next.response.effect).toBe(Effect.DENY);
    expect(next.response.matchedRules[0]?.ruleId).toBe('one-delete');
    await settle();
    expect(events.map((e) => e.requestId)).toEqual(['r1', 'r2']);
    expect((await metrics.idempotentReplays.get()).values[0]?.value).toBe(1);
  });

  it('gives a concurrent duplicate the answer still being signed', async () => {
    const { service, events, request, settle } = setup();
    const a = service.start(request({ requestId: 'r1' }), TOKEN, PEER);
    const b = service.start(request({ requestId: 'r1' }), TOKEN, PEER);
    expect(b.result).toBe(a.result);
    await Promise.all([a.signed, b.signed]);
    expect(a.result.response.receipt?.signature.length).toBeGreaterThan(0);
    await settle();
    expect(events).toHaveLength(1);
  });

  it('refuses the same request_id with different content as REQUEST_ID_REUSED, recorded as a denial', async () => {
    const { service, events, request, settle } = setup();
    const first = await service.decide(request({ requestId: 'r1' }), TOKEN, PEER);
    for (const changed of [{ args: '{"id":2}' }, { tool: 'crm.delete_company' }, { resource: 'crm://other' }]) {
      const reused = await service.decide(request({ requestId: 'r1', ...changed }), TOKEN, PEER);
      expect(reused.ok).toBe(false);
      if (reused.ok) continue;
      expect(reused.error.code).toBe('INVALID_ARGUMENT');
      expect(reused.error.metadata.get('thoth-error-code')).toEqual(['REQUEST_ID_REUSED']);
      expect(reused.response).toMatchObject({ effect: Effect.DENY, errorCode: 'REQUEST_ID_REUSED' });
      expect(reused.response.decisionId).not.toBe(first.response.decisionId);
    }
    // The original answer is still what a true retry gets.
    const again = await service.decide(request({ requestId: 'r1' }), TOKEN, PEER);
    expect(again.response.decisionId).toBe(first.response.decisionId);
    await settle();
    expect(events.map((e) => e.errorCode)).toEqual(['', 'REQUEST_ID_REUSED', 'REQUEST_ID_REUSED', 'REQUEST_ID_REUSED']);
  });

  it('never deduplicates an empty request_id, nor answers before authentication', async () => {
    const { service, request } = setup();
    const a = await service.decide(request({ requestId: '' }), TOKEN, PEER);
    const b = await service.decide(request({ requestId: '' }), TOKEN, PEER);
    expect(a.response.effect).toBe(Effect.ALLOW);
    expect(b.response.effect).toBe(Effect.DENY); // counted: the window is full
    await service.decide(request({ requestId: 'r9', tool: 'crm.read' }), TOKEN, PEER);
    const stranger = await service.decide(request({ requestId: 'r9', tool: 'crm.read' }), 'thoth_at_wrong', PEER);
    expect(stranger.ok).toBe(false);
    expect(stranger.response).toMatchObject({ errorCode: 'UNAUTHENTICATED', decisionId: '' });
  });

  it('replays a refusal with the same decision id, and forgets answers after the TTL', async () => {
    const { service, request, advance } = setup({ ttlMs: 1_000 });
    const bad = await service.decide(request({ requestId: 'r1', args: '{"id":' }), TOKEN, PEER);
    const again = await service.decide(request({ requestId: 'r1', args: '{"id":' }), TOKEN, PEER);
    expect(bad.ok || again.ok).toBe(false);
    if (bad.ok || again.ok) return;
    expect(again.response.decisionId).toBe(bad.response.decisionId);
    expect(again.error.metadata.get('thoth-decision-id')).toEqual([bad.response.decisionId]);
    advance(1_000);
    const later = await service.decide(request({ requestId: 'r1', args: '{"id":' }), TOKEN, PEER);
    expect(later.response.decisionId).not.toBe(bad.response.decisionId);
  });

  it('counts capacity evictions', async () => {
    const { service, metrics, request } = setup({ maxEntries: 2 });
    for (const id of ['a', 'b', 'c', 'd']) await service.decide(request({ requestId: id, tool: 'crm.read' }), TOKEN, PEER);
    const values = (await metrics.idempotencyEvictions.get()).values;
    expect(values.find((v) => v.labels['reason'] === 'capacity')?.value).toBe(2);
  });
});

describe('DecisionService retained arguments', () => {
  it('redacts card numbers and credentials before the event is signed and sent; the digest is of the call as made', async () => {
    const { service, events, request, settle } = setup(undefined, { mode: TenantMode.SHADOW, retainArguments: true });
    const args = '{"id":1,"card":"4111 1111 1111 1111","password":"hunter2"}';
    const answer = await service.decide(request({ requestId: 'r1', args }), TOKEN, PEER);
    expect(answer.ok).toBe(true);
    await settle();
    const [event] = events;
    expect(JSON.parse(new TextDecoder().decode(event!.retainedArgumentsJson))).toEqual({ id: 1, card: '[redacted:card]', password: '[redacted:secret]' });
    expect(event!.argumentsDigest).toBe(createHash('sha256').update(args).digest('hex'));
    expect(verifyDecisionEvent(event!, keyring([verifierFromPublicKey(receiptSigner.publicKey)]))).toMatchObject({ ok: true, coverage: 'event' });
  });
});

describe('DecisionService window counters that cannot be kept', () => {
  /** A window state whose only key is taken: the delete counter of agent a cannot be created. */
  const full = () => {
    const state = new WindowState({ maxKeys: 1 });
    state.apply([{ key: 'someone-else', windowMs: 600_000, calls: 1, records: 0 }], 1_700_000_000_000, { tenantId: 'other', agentId: 'x' });
    return state;
  };

  it('fails closed by default: denied with enforcer.window_keys_exhausted and WINDOW_KEYS_EXHAUSTED, recorded and counted', async () => {
    const { service, events, metrics, request, settle } = setup(undefined, { state: full() });
    const { response } = await service.decide(request({ requestId: 'r1' }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.DENY, shadow: false, errorCode: 'WINDOW_KEYS_EXHAUSTED' });
    expect(response.matchedRules.map((m) => m.ruleId)).toEqual(['default', 'enforcer.window_keys_exhausted']);
    expect(response.errorMessage).toContain('the enforcer already holds 1 window counters');
    await settle();
    expect(events[0]).toMatchObject({ effect: Effect.DENY, errorCode: 'WINDOW_KEYS_EXHAUSTED' });
    expect((await metrics.windowUntracked.get()).values).toEqual([expect.objectContaining({ labels: { quota: 'enforcer' }, value: 1 })]);
  });

  it('blocks nothing in shadow mode, even failing closed: a would-deny', async () => {
    const { service, request } = setup(undefined, { state: full(), mode: TenantMode.SHADOW });
    const { response } = await service.decide(request({ requestId: 'r1' }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.ALLOW, shadow: true, errorCode: 'WINDOW_KEYS_EXHAUSTED' });
  });

  it('fails open when the tenant says so: let through as a would-deny', async () => {
    const { service, request } = setup(undefined, { state: full(), failMode: FailMode.OPEN });
    const { response } = await service.decide(request({ requestId: 'r1' }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.ALLOW, shadow: true, errorCode: 'WINDOW_KEYS_EXHAUSTED' });
    expect(response.matchedRules.map((m) => m.ruleId)).toEqual(['default', 'enforcer.window_keys_exhausted', 'enforcer.fail_open']);
  });

  it('never fails open for a destructive call', async () => {
    const { service, events, request, settle } = setup(undefined, { state: full(), failMode: FailMode.OPEN });
    const { response } = await service.decide(request({ requestId: 'r1', riskTier: RiskTier.DESTRUCTIVE }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.DENY, shadow: false, errorCode: 'WINDOW_KEYS_EXHAUSTED' });
    expect(response.matchedRules.map((m) => m.ruleId)).toEqual(['default', 'enforcer.window_keys_exhausted']);
    await settle();
    expect(events[0]).toMatchObject({ effect: Effect.DENY, riskTier: RiskTier.DESTRUCTIVE });
  });
});

describe('DecisionService past its maximum staleness', () => {
  const MAX = 60_000;
  const read = { tool: 'crm.read_contacts' };

  it('decides as usual up to the maximum; past it denies a write CONFIG_STALE, recorded and counted by tier; a confirmation trusts the config again', async () => {
    const { service, events, metrics, request, settle, advance, confirm } = setup(undefined, { maxStalenessMs: MAX });
    advance(MAX);
    expect((await service.decide(request({ requestId: 'r1', tool: 'crm.update_contact' }), TOKEN, PEER)).response.effect).toBe(Effect.ALLOW);
    advance(1);
    const { response } = await service.decide(request({ requestId: 'r2', tool: 'crm.update_contact' }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.DENY, shadow: false, errorCode: 'CONFIG_STALE' });
    expect(response.matchedRules.map((m) => m.ruleId)).toEqual(['default', 'enforcer.config_stale']);
    expect(response.errorMessage).toBe(
      "the control plane has not confirmed this enforcer's config for 60 s, past its maximum staleness of 60 s (the config stream is down or blocked): a write call is not let through on a snapshot that may be out of date",
    );
    await settle();
    expect(events[1]).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE', riskTier: RiskTier.WRITE });
    expect((await metrics.configStaleDenials.get()).values).toEqual([expect.objectContaining({ labels: { tier: 'write' }, value: 1 })]);
    confirm();
    expect((await service.decide(request({ requestId: 'r3', tool: 'crm.update_contact' }), TOKEN, PEER)).response).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
  });

  it('answers a call the policy denies as decided', async () => {
    const { service, request, advance } = setup(undefined, { maxStalenessMs: MAX });
    advance(MAX + 1);
    await service.decide(request({ requestId: 'r1', riskTier: RiskTier.DESTRUCTIVE }), TOKEN, PEER);
    const { response } = await service.decide(request({ requestId: 'r2', riskTier: RiskTier.DESTRUCTIVE }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.DENY, errorCode: '' });
    expect(response.matchedRules.map((m) => m.ruleId)).toEqual(['one-delete']);
  });

  it('lets reads follow the fail mode: denied failing closed, a would-deny failing open; writes and destructive calls denied either way', async () => {
    const closed = setup(undefined, { maxStalenessMs: MAX });
    closed.advance(MAX + 1);
    expect((await closed.service.decide(closed.request({ requestId: 'r1', ...read }), TOKEN, PEER)).response).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE' });
    const open = setup(undefined, { maxStalenessMs: MAX, failMode: FailMode.OPEN });
    open.advance(MAX + 1);
    const { response } = await open.service.decide(open.request({ requestId: 'r1', ...read }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.ALLOW, shadow: true, errorCode: 'CONFIG_STALE' });
    expect(response.matchedRules.map((m) => m.ruleId)).toEqual(['default', 'enforcer.config_stale', 'enforcer.fail_open']);
    for (const riskTier of [RiskTier.WRITE, RiskTier.DESTRUCTIVE]) {
      expect((await open.service.decide(open.request({ requestId: `w${riskTier}`, tool: 'crm.update_contact', riskTier }), TOKEN, PEER)).response).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE' });
    }
    expect((await open.metrics.configStaleDenials.get()).values.map((v) => [v.labels['tier'], v.value])).toEqual([['write', 1], ['destructive', 1]]);
  });

  it('blocks nothing in shadow mode: a would-deny', async () => {
    const { service, request, advance } = setup(undefined, { maxStalenessMs: MAX, mode: TenantMode.SHADOW });
    advance(MAX + 1);
    const { response } = await service.decide(request({ requestId: 'r1', tool: 'crm.update_contact', riskTier: RiskTier.DESTRUCTIVE }), TOKEN, PEER);
    expect(response).toMatchObject({ effect: Effect.ALLOW, shadow: true, errorCode: 'CONFIG_STALE' });
  });
});

describe('DecisionService receipts', () => {
  const trusted = keyring([verifierFromPublicKey(receiptSigner.publicKey)]);
  const encodeEvent = messageEncoder(DecisionEventSchema);

  it('signs each whole event (receipt version 3): what the decision log carries verifies, and no field of it can change', async () => {
    const { service, events, request, settle } = setup();
    const source = { ip: '203.0.113.7', region: 'eu-west-1' };
    await service.decide(request({ requestId: 'r1', tool: 'crm.read_contact', resource: 'crm://contacts/1', source }), TOKEN, PEER);
    await service.decide(request({ requestId: 'r2', resource: 'crm://contacts/2' }), TOKEN, PEER);
    await service.decide(request({ requestId: 'r3', resource: 'crm://contacts/3' }), TOKEN, PEER); // past the limit: denied
    await service.decide(request({ requestId: 'r4', args: '{' }), TOKEN, PEER); // INVALID_ARGUMENTS_JSON
    await settle();
    expect(events).toHaveLength(4);
    const denied = events[2]!;
    expect(denied.effect).toBe(Effect.DENY);
    for (const published of events) {
      // As the ledger and ingestion read it off Kafka.
      const event = fromBinary(DecisionEventSchema, encodeEvent(published));
      expect(event.receipt?.receiptVersion).toBe(3);
      expect(verifyDecisionEvent(event, trusted)).toEqual({ ok: true, coverage: 'event', keyId: receiptSigner.keyId });
    }
    const forged: DecisionEvent[] = [
      { ...denied, resource: 'crm://contacts/999' },
      { ...denied, tool: 'crm.read_contact' },
      { ...denied, matchedRules: denied.matchedRules.map((m) => ({ ...m, severity: Severity.LOW })) },
      { ...denied, credentialFingerprint: 'ab'.repeat(32) },
      { ...denied, errorCode: 'NOT_READY' },
      { ...events[0]!, source: { ...source, $typeName: 'thoth.decision.v1.Source', region: 'us-east-1' } },
      { ...events[3]!, errorCode: '' },
    ];
    for (const event of forged) expect(verifyDecisionEvent(event, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });
});
