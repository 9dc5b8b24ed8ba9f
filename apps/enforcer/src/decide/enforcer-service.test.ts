import { create } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { AgentStatus, DecideRequestSchema, Effect, EnforcerConfigSchema, FailMode, PolicyFormat, TenantMode, type DecisionEvent } from '@thoth/contracts';
import type { HandlerContext } from '@thoth/grpc';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, signSnapshot, signerFromSeed, verifierFromPublicKey, verifyDecisionEvent } from '@thoth/snapshot';
import { policyYaml } from '@thoth/testing/policy-yaml';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InProcessDecisionLog } from '../emit/in-process-decision-log.js';
import { activate } from '../sync/activate.js';
import { ActiveSnapshots } from '../sync/active-snapshots.js';
import { DecisionService } from './decision-service.js';
import { enforcerHandlers } from './enforcer-service.js';

// The trace context of a unary Decide (docs/telemetry.md): continued and recorded in the signed
// DecisionEvent when well formed; whatever else an agent sends in `traceparent` is dropped, and the
// call is decided exactly as without it.
const TENANT = '7e0a0000-0000-4000-8000-000000000001';
const TOKEN = 'thoth_at_traced';
const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const FORGED = [
  VALID.toUpperCase(),
  `${VALID}-00`,
  `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
  'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  VALID + 'x'.repeat(8_000),
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7 01',
];
const cp = signerFromSeed(generateSigningKey());
const signer = signerFromSeed(generateSigningKey());

function setup(withTracing: boolean) {
  const store = new ActiveSnapshots();
  const config = create(EnforcerConfigSchema, {
    tenantId: TENANT,
    version: 1n,
    mode: TenantMode.ENFORCE,
    failMode: FailMode.CLOSED,
    policy: { version: 1n, format: PolicyFormat.YAML, content: new TextEncoder().encode(policyYaml('traced', 1, 'tiers:\n  - tools: ["crm.read_*"]\n    tier: read\n')) },
    agents: [{ agentId: 'a', status: AgentStatus.ACTIVE, tokenSha256: [createHash('sha256').update(TOKEN).digest('hex')] }],
  });
  const activation = activate(store, signSnapshot(config, cp).signed, keyring([verifierFromPublicKey(cp.publicKey)]), Date.now());
  if (!activation.ok) throw new Error(activation.message);
  const log = new InProcessDecisionLog({ capacity: 100 });
  const events: DecisionEvent[] = [];
  log.subscribe((batch) => void events.push(...batch));
  const service = new DecisionService({ enforcerId: 'e', store, state: new WindowState({ maxKeys: 100 }), signer, decisionLog: log, maxArgumentsBytes: 1_024 });
  const exporter = new InMemorySpanExporter();
  const tracer = withTracing ? new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test') : undefined;
  const handlers = enforcerHandlers(service, undefined, tracer);
  const decide = async (traceparent: string | undefined) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    if (traceparent !== undefined) metadata.set('traceparent', traceparent);
    const context = { metadata, peer: '127.0.0.1:5000', signal: new AbortController().signal, deadline: Infinity } as HandlerContext;
    const request = create(DecideRequestSchema, { tenantId: TENANT, agentId: 'a', tool: 'crm.read_contact', argumentsJson: new TextEncoder().encode('{}') });
    const response = await handlers.decide(request, context);
    await new Promise((r) => setTimeout(r, 10));
    return { response, event: events.find((e) => e.decisionId === response.decisionId)! };
  };
  return { decide, exporter };
}

describe('Decide and the trace context (tracing off)', () => {
  it('records a well-formed traceparent in the signed event', async () => {
    const { decide } = setup(false);
    const { response, event } = await decide(VALID);
    expect(response.effect).toBe(Effect.ALLOW);
    expect(event.traceParent).toBe(VALID);
    expect(verifyDecisionEvent(event, keyring([verifierFromPublicKey(signer.publicKey)]))).toMatchObject({ ok: true, coverage: 'event' });
  });

  it.each(FORGED.map((f) => [f.length > 60 ? `${f.slice(0, 40)}… (${f.length} chars)` : JSON.stringify(f), f]))('drops %s and decides the call as without it', async (_what, forged) => {
    const { decide } = setup(false);
    const { response, event } = await decide(forged);
    expect(response.effect).toBe(Effect.ALLOW);
    expect(response.errorCode).toBe('');
    expect(event.traceParent).toBe('');
  });

  it('records none without one', async () => {
    const { decide } = setup(false);
    expect((await decide(undefined)).event.traceParent).toBe('');
  });
});

describe('Decide and the trace context (tracing on)', () => {
  it("continues the caller's trace in a server span, whose context the event carries, naming the decision", async () => {
    const { decide, exporter } = setup(true);
    const { response, event } = await decide(VALID);
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({ name: 'thoth.decision.v1.Enforcer/Decide', kind: SpanKind.SERVER });
    expect(span!.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span!.attributes).toMatchObject({ 'thoth.decision.id': response.decisionId, 'thoth.tenant.id': TENANT, 'rpc.method': 'Decide' });
    expect(event.traceParent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span!.spanContext().spanId}-01`);
  });

  it.each(FORGED.map((f) => [f.length > 60 ? `${f.slice(0, 40)}… (${f.length} chars)` : JSON.stringify(f), f]))('starts a trace of its own for %s', async (_what, forged) => {
    const { decide, exporter } = setup(true);
    const { response, event } = await decide(forged);
    expect(response.effect).toBe(Effect.ALLOW);
    const [span] = exporter.getFinishedSpans();
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.spanContext().traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(event.traceParent).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
  });
});
