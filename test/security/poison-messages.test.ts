import { Effect } from '../../libs/contracts/src/index.js';
import { testKafkaConnection } from '../../libs/testing/src/index.js';
import { generateSigningKey, signerFromSeed } from '../../libs/snapshot/src/index.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODE_HEADER, DECISION_ID_HEADER } from '../../apps/enforcer/src/decide/decision-service.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../apps/enforcer/src/enforcer.js';
import { agentClient, consumeDecisions, install, trusted } from '../../apps/enforcer/test/integration/fixtures.js';
import { startLedger } from '../../apps/ledger/src/ledger.js';
import { decisionEvent, encode, produce, type Producer } from '../../apps/ledger/test/support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, quietLog, testKafka, type LedgerTestContext } from '../../apps/ledger/test/support/ledger-harness.js';

// Item 1 of the red-team issue (docs/security.md, "Poison messages"): one message that cannot be
// stored must never stop a partition of the decision stream.

describe('poison messages on the decision stream', () => {
  let ctx: LedgerTestContext;
  let producer: Producer;

  beforeAll(async () => {
    ctx = await ledgerTestContext('poison');
    // One partition: poison and every well-formed tenant share it, as they would on a busy cluster.
    await ctx.createTopic(1);
    producer = await orderedProducer('security-poison-producer');
  });

  afterAll(async () => {
    await producer?.disconnect();
    await ctx?.cleanup();
  });

  const offsets = () => count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group]);

  it('a signed refusal whose tool holds \\u0000 does not halt the ledger: it is quarantined alone and the rest of its batch folds', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const before = await offsets();
    await ctx.trust([a, b]);
    const good = [...Array.from({ length: 5 }, (_, i) => decisionEvent(a, i)), ...Array.from({ length: 5 }, (_, i) => decisionEvent(b, i))];
    // What an enforcer published for `Decide(tenant: <any UUID>, tool: "crm\u0000…")` before the fix.
    const poison = encode(decisionEvent(randomUUID(), 0, { tool: 'crm.read\u0000records', errorCode: 'UNKNOWN_TENANT', configVersion: 0n }));
    await produce(producer, ctx.topic, [...good.slice(0, 5).map((e) => ({ key: a, value: encode(e) })), { key: 'x', value: poison }, ...good.slice(5).map((e) => ({ key: b, value: encode(e) }))]);

    const ledger = await startLedger(ctx.config(), quietLog, {}, { api: false });
    try {
      await eventually(async () => (await offsets()) === before + 11, 'the partition folded past the poison', 60_000);
    } finally {
      await ledger.stop();
    }
    expect(await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries WHERE tenant_id = ANY($1::uuid[])', [[a, b]])).toBe(10);
    const [q] = await ctx.owner.sql.query<{ value: Buffer; reason_code: string }>('SELECT value, reason_code FROM ledger_quarantine WHERE "offset" = $1', [before + 5]);
    expect(q?.reason_code).toMatch(/^(event\.invalid|entry\.unstorable)$/);
    expect(new Uint8Array(q!.value)).toEqual(new Uint8Array(poison));
  });
});

describe('malformed identifiers sent to an enforcer', () => {
  const tenant = randomUUID();
  const AGENT = { id: 'crm-agent', token: 'thoth_at_poison' };
  let ctx: LedgerTestContext;
  let enforcer: RunningEnforcer;
  let agent: ReturnType<typeof agentClient>;

  beforeAll(async () => {
    ctx = await ledgerTestContext('poison_enforcer');
    await ctx.createTopic(1);
    enforcer = await startEnforcer({
      enforcerId: 'enforcer-poison',
      listen: { host: '127.0.0.1', port: 0 },
      trustedKeys: trusted,
      signer: signerFromSeed(generateSigningKey()),
      decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic: ctx.topic, bufferSize: 1_000 }),
      maxArgumentsBytes: 1024,
    });
    install(enforcer.store, { tenantId: tenant }, [AGENT]);
    agent = agentClient(enforcer.address);
  });

  afterAll(async () => {
    agent?.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await ctx?.cleanup();
  });

  const MALFORMED: Array<[string, Record<string, unknown>]> = [
    ['an unauthenticated Decide for any UUID tenant with \\u0000 in the tool', { tenantId: randomUUID(), tool: 'crm.read\u0000records' }],
    ['a tenant id that is not a UUID', { tenantId: 'acme' }],
    // (A lone surrogate cannot cross the wire: protobuf encodes it as U+FFFD; @thoth/contracts' unit tests cover it.)
    ['a DEL in the credential fingerprint', { credentialFingerprint: 'ab\u007f' }],
    ['a C1 control character in the resource', { resource: 'crm://contacts\u0085' }],
    ['a tool over 256 characters', { tool: `crm.${'x'.repeat(300)}` }],
    ['a NUL in the request id', { requestId: 'r\u0000' }],
    ['an agent id with a newline', { agentId: 'crm-agent\n' }],
  ];

  it.each(MALFORMED)('%s is refused INVALID_ARGUMENT MALFORMED_FIELD, neither signed nor published', async (_, fields) => {
    const error = await agent.client
      .decide({ tenantId: tenant, agentId: AGENT.id, tool: 'crm.read', ...fields }, { metadata: agent.auth(AGENT.token), deadlineMs: 10_000 })
      .then(
        () => undefined,
        (e: unknown) => e as { code: string; details: string; metadata: { get(key: string): unknown[] } },
      );
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.details).toMatch(/^MALFORMED_FIELD: /);
    expect(error?.metadata.get(ERROR_CODE_HEADER)).toEqual(['MALFORMED_FIELD']);
    expect(error?.metadata.get(DECISION_ID_HEADER)).toEqual([]);
  });

  it('is answered in-band on DecideStream, which goes on; and nothing malformed ever reached Kafka', async () => {
    const stream = agent.client.decideStream({ metadata: agent.auth(AGENT.token), deadlineMs: 10_000 });
    await stream.send({ requestId: 's1', tenantId: randomUUID(), agentId: AGENT.id, tool: 'crm.read\u0000' });
    await stream.send({ requestId: 's2', tenantId: tenant, agentId: AGENT.id, tool: 'crm.read' });
    stream.end();
    const answers = [];
    for await (const a of stream) answers.push(a);
    expect(answers.map((a) => [a.requestId, a.effect, a.errorCode, a.decisionId === ''])).toEqual([
      ['s1', Effect.DENY, 'MALFORMED_FIELD', true],
      ['s2', Effect.ALLOW, '', false],
    ]);
    // s2 is the last request of this file: once it is on the topic, everything published before it is too.
    const { events } = await consumeDecisions(testKafka('security-poison-enforcer'), ctx.topic, (e) => e.some((d) => d.requestId === 's2'));
    expect(events.map((e) => e.requestId)).toEqual(['s2']);
  });
});
