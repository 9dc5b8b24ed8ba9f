// Issue 21, acceptance 3: one guarded tool call is one trace, from the agent's span to the
// ledger's fold. An OTLP/HTTP receiver in this process takes what every part exports (protobuf,
// OTEL_EXPORTER_OTLP_ENDPOINT pointed at it, read by each part's own config rule): the agent's
// process (a tracer provider registered, as an agent that traces would have), a real enforcer of a
// real control plane (its Decide span and Kafka producer span) and a real ledger folding from the
// real decision topic. The trace context travels in the Decide's gRPC metadata, then inside the
// signed DecisionEvent (trace_parent), to the fold, whose span names the decision.
//
// Seen failing without each link: with the enforcer recording an empty trace_parent in the event, or
// with the SDK's gate not sending its trace context (traceParent left out of DecideOptions), no fold
// span of the decision ever came (timed out waiting for it).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyBase64, signerFromSeed, generateSigningKey } from '../../libs/snapshot/src/index.js';
import { Thoth } from '../../libs/sdk/src/index.js';
import { readTracingConfig, startTracing, type Tracing } from '../../libs/telemetry/src/index.js';
import { createTestTopics, withDatabase } from '../../libs/testing/src/index.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { createControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { createAppLoginRole, testConfig } from '../../apps/control-plane/test/integration/support/control-plane.js';
import type { RunningEnforcer } from '../../apps/enforcer/src/enforcer.js';
import { startLedger, type RunningLedger } from '../../apps/ledger/src/ledger.js';
import { ledgerTestContext, pg, quietLog, type LedgerTestContext } from '../../apps/ledger/test/support/ledger-harness.js';
import { POLICY_V1, waitFor } from '../integration/enforcers/harness.js';
import { CRM_TOKEN, crmTenant, edgeControlPlaneConfig, rollouts, startEdgeEnforcer, USUAL_CRM_CALL } from '../integration/credential-governance/governed-edge.js';
import { OtlpReceiver, type ReceivedSpan } from '../integration/telemetry/otlp-receiver.js';

describe('one guarded tool call, one trace (OpenTelemetry, OTLP/HTTP protobuf)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-traces-'));
  const cpSigningKey = generateSigningKey();
  let receiver: OtlpReceiver;
  let ctx: LedgerTestContext;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let ledger: RunningLedger;
  let cp: ControlPlane;
  let enforcer: RunningEnforcer;
  let admin: pg.Client;
  let thoth: Thoth;
  const tracings: Tracing[] = [];
  let agent: NonNullable<Tracing['tracer']>;
  let tenantId: string;
  const traced = (service: string, instrumentation: string) => {
    const tracing = startTracing(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }, service), instrumentation);
    tracings.push(tracing);
    return tracing.tracer!;
  };

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    // The agent's process: the first provider started is the one registered with @opentelemetry/api.
    agent = traced('crm-agent', 'crm-agent');
    ctx = await ledgerTestContext(`traces_${randomBytes(2).toString('hex')}`);
    const [topic] = (await createTestTopics([{ name: `traces-${randomBytes(3).toString('hex')}`, numPartitions: 1 }])) as [string];
    const ledgerConfig = ctx.config({ THOTH_LEDGER_TOPIC: topic, THOTH_CONFIG_PUBLIC_KEYS: publicKeyBase64(signerFromSeed(cpSigningKey)) });
    ledger = await startLedger(ledgerConfig, quietLog, {}, { tracer: traced('thoth-ledger', '@thoth/ledger') });
    role = await createAppLoginRole();
    cp = await createControlPlane(
      testConfig(withDatabase(role.url, new URL(ctx.ownerUrl).pathname.slice(1)), edgeControlPlaneConfig({ dataDir, signingKey: cpSigningKey, topic, group: 'traces', receiptKeysTopic: ctx.receiptKeysTopic })),
      { tracer: traced('thoth-control-plane', '@thoth/control-plane') },
    );
    admin = new pg.Client({ connectionString: ctx.adminUrl });
    await admin.connect();
    const tenant = await crmTenant(cp, 'Traced', POLICY_V1);
    tenantId = tenant.tenantId;
    const signer = signerFromSeed(generateSigningKey());
    enforcer = await startEdgeEnforcer(cp, tenant.key, { topic, signer, tracer: traced('thoth-enforcer', '@thoth/enforcer') });
    await rollouts(cp, tenant.tenantId, enforcer)();
    await waitFor('the ledger to learn the enforcer key', () => ledger.directory.keysOf(tenant.tenantId).has(signer.keyId), 30_000);
    // The SDK's default transport (DecideStream): a traced call goes unary, with its traceparent.
    thoth = new Thoth({ address: enforcer.address, tenantId: tenant.tenantId, agentId: 'crm-agent', agentToken: tenant.agents['crm-agent']!.token, deadlineMs: 10_000 });
  });

  afterAll(async () => {
    thoth?.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await cp?.close();
    await ledger?.stop();
    await Promise.all(tracings.map((t) => t.shutdown()));
    await admin?.end();
    await role?.drop();
    await ctx?.cleanup();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the SDK span, the Decide span, the Kafka produce span and the fold span, naming the decision, in one trace', async () => {
    let decisionId = '';
    const observed = new Thoth({ client: thoth.client, onDecision: (event) => void ('decision' in event && event.decision && (decisionId = event.decision.decisionId)) });
    const readContacts = observed.guard(async (id: number) => ({ id, name: 'Ada' }), {
      name: USUAL_CRM_CALL.tool,
      risk: 'read',
      resource: (id) => `crm/contacts/${id}`,
      credential: CRM_TOKEN,
    });
    // The agent's turn, in a span of its own: the guarded call is made inside it.
    const result = await agent.startActiveSpan('agent turn', async (span) => {
      try {
        return await readContacts(17);
      } finally {
        span.end();
      }
    });
    expect(result).toEqual({ id: 17, name: 'Ada' });
    expect(decisionId).not.toBe('');
    await waitFor('the decision in the ledger', async () => (await admin.query('SELECT 1 FROM ledger_entries WHERE decision_id = $1', [decisionId])).rowCount === 1, 60_000);

    const named = (service: string, suffix: string) => receiver.spans.find((s) => s.service === service && s.name.endsWith(suffix) && s.attributes['thoth.decision.id'] === decisionId);
    const fold = await waitFor('the fold span and the read model\'s span naming the decision', async () => {
      await Promise.all(tracings.map((t) => t.flush()));
      return named('thoth-control-plane', ' process') && named('thoth-ledger', 'ledger fold');
    }, 30_000);
    const trace = receiver.spans.filter((s) => s.traceId === fold.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);
    const one = (predicate: (s: ReceivedSpan) => boolean) => {
      const found = trace.filter(predicate);
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    // The agent's turn, and inside it the SDK's gate span.
    const gate = one((s) => s.service === 'crm-agent' && s.name === `thoth.guard ${USUAL_CRM_CALL.tool}`);
    expect(gate.attributes).toMatchObject({ 'thoth.decision.id': decisionId, 'thoth.outcome': 'allow', 'thoth.tool': USUAL_CRM_CALL.tool });
    expect(parentOf(gate)).toMatchObject({ service: 'crm-agent', name: 'agent turn', parentSpanId: '' });
    const decide = one((s) => s.service === 'thoth-enforcer' && s.name === 'thoth.decision.v1.Enforcer/Decide');
    expect(decide.parentSpanId).toBe(gate.spanId);
    expect(decide.attributes).toMatchObject({ 'thoth.decision.id': decisionId, 'rpc.system': 'grpc' });
    const produce = one((s) => s.service === 'thoth-enforcer' && s.name.endsWith(' publish'));
    expect(produce.parentSpanId).toBe(decide.spanId);
    expect(produce.attributes).toMatchObject({ 'thoth.decision.id': decisionId, 'messaging.system': 'kafka' });
    // The fold continues the trace the signed event carries (the Decide), and links the message's producer span.
    expect(fold).toMatchObject({ service: 'thoth-ledger', parentSpanId: decide.spanId });
    expect(fold.attributes).toMatchObject({ 'thoth.ledger.result': 'appended' });
    expect(fold.links).toEqual([{ traceId: fold.traceId, spanId: produce.spanId }]);
    // The control plane's read model took the same decision in the same trace.
    expect(one((s) => s.service === 'thoth-control-plane' && s.name.endsWith(' process')).parentSpanId).toBe(decide.spanId);
    // The ledger's database calls of that fold are in the trace too (the fold's transaction).
    expect(trace.some((s) => s.service === 'thoth-ledger' && s.attributes['db.system.name'] === 'postgresql')).toBe(true);
  });

  it("traces the control plane's API per route, with its database calls as children, and the config stream's pushes", async () => {
    await Promise.all(tracings.map((t) => t.flush()));
    const cpSpans = receiver.spans.filter((s) => s.service === 'thoth-control-plane');
    // Named by the route's pattern: the agent ids of the setup are not in the name.
    const signUp = cpSpans.find((s) => s.name === 'POST /v1/tenants');
    expect(signUp?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/tenants', 'http.response.status_code': 201 });
    const queries = cpSpans.filter((s) => s.traceId === signUp!.traceId && s.attributes['db.system.name'] === 'postgresql');
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.some((q) => q.parentSpanId === signUp!.spanId)).toBe(true);
    const push = cpSpans.find((s) => s.name === 'thoth.config.v1.ConfigDistribution/Subscribe push' && s.attributes['thoth.tenant.id'] === tenantId);
    expect(push?.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'Subscribe', 'thoth.config.version': expect.stringMatching(/^[1-9]\d*$/) });
  });
});
