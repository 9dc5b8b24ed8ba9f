import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { createTestTopics, testKafka } from '@thoth/testing';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DecisionEventSchema,
  Effect,
  Outcome,
  RuleKind,
  Severity,
  type DecisionEvent,
} from '../../src/index.js';

const EVENTS = 600;
const AGENTS = ['crm-agent', 'billing-agent', 'deploy-agent'];
const TENANTS = [randomUUID(), randomUUID()];

function decisionEvent(i: number): DecisionEvent {
  const tenantId = TENANTS[i % TENANTS.length]!;
  const agentId = AGENTS[i % AGENTS.length]!;
  const args = JSON.stringify({ table: 'executives', ids: [i, i + 1] });
  const denied = i % 7 === 0;
  const at = 1_795_000_000_000 + i;
  return create(DecisionEventSchema, {
    decisionId: randomUUID(),
    requestId: `req-${i}`,
    tenantId,
    agentId,
    tool: denied ? 'crm.delete_records' : 'crm.read_records',
    argumentsDigest: createHash('sha256').update(args).digest('hex'),
    retainedArgumentsJson: new TextEncoder().encode(args),
    resource: 'crm://executives',
    credentialFingerprint: createHash('sha256').update(`token-${agentId}`).digest('hex'),
    source: { ip: '10.1.2.3', region: 'eu-west-1' },
    effect: denied ? Effect.DENY : Effect.ALLOW,
    shadow: i % 11 === 0,
    matchedRules: denied
      ? [{ ruleId: 'freeze.code-freeze', reason: 'code freeze until 2026-12-01', severity: Severity.CRITICAL, kind: RuleKind.FREEZE_WINDOW }]
      : [],
    policyVersion: BigInt(3),
    policyHash: 'ab'.repeat(32),
    enforcerId: 'enforcer-1',
    requestedAt: timestampFromMs(at),
    decidedAt: timestampFromMs(at + 1),
    receipt: {
      decisionId: 'same-as-above',
      outcome: denied ? Outcome.DENY : Outcome.ALLOW,
      reasons: denied ? ['code freeze'] : [],
      policyVersion: BigInt(3),
      enforcerId: 'enforcer-1',
      keyId: 'enforcer-1/key-1',
      signature: new Uint8Array(64).fill(i % 256),
    },
  });
}

describe('DecisionEvent through the real Kafka broker', () => {
  let topic: string;

  beforeAll(async () => {
    [topic] = (await createTestTopics([{ name: 'decisions', numPartitions: 3 }])) as [string];
  });

  it('round-trips protobuf events produced with acks=all and the idempotent producer', async () => {
    const kafka = testKafka('thoth-contracts-test');
    const sent = Array.from({ length: EVENTS }, (_, i) => decisionEvent(i));

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let start = 0; start < sent.length; start += 100) {
        await producer.send({
          topic,
          acks: -1,
          messages: sent.slice(start, start + 100).map((event) => ({
            key: `${event.tenantId}/${event.agentId}`,
            value: Buffer.from(toBinary(DecisionEventSchema, event)),
          })),
        });
      }
    } finally {
      await producer.disconnect();
    }

    const received: Array<{ key: string; partition: number; event: DecisionEvent }> = [];
    const consumer = kafka.consumer({ groupId: `${topic}.reader.${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`received ${received.length} of ${EVENTS} events`)), 90_000);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          received.push({
            key: message.key!.toString(),
            partition,
            event: fromBinary(DecisionEventSchema, message.value!),
          });
          if (received.length === EVENTS) {
            clearTimeout(guard);
            resolve();
          }
        },
      }).catch(reject);
    });
    await consumer.disconnect();

    // Intact: every event arrives exactly once and equal field for field.
    const byId = new Map(sent.map((e) => [e.decisionId, e]));
    expect(new Set(received.map((r) => r.event.decisionId)).size).toBe(EVENTS);
    for (const { event, key } of received) {
      const original = byId.get(event.decisionId);
      expect(original, `unknown decision ${event.decisionId}`).toBeDefined();
      expect(equals(DecisionEventSchema, event, original!)).toBe(true);
      expect(key).toBe(`${event.tenantId}/${event.agentId}`);
    }

    // Keyed by tenant+agent: one partition per key, and each key's events in send order.
    const partitionsByKey = new Map<string, Set<number>>();
    const orderByKey = new Map<string, string[]>();
    for (const { key, partition, event } of received) {
      (partitionsByKey.get(key) ?? partitionsByKey.set(key, new Set()).get(key)!).add(partition);
      (orderByKey.get(key) ?? orderByKey.set(key, []).get(key)!).push(event.requestId);
    }
    for (const [key, partitions] of partitionsByKey) {
      expect(partitions.size, key).toBe(1);
      const expected = sent.filter((e) => `${e.tenantId}/${e.agentId}` === key).map((e) => e.requestId);
      expect(orderByKey.get(key)).toEqual(expected);
    }
  });

  afterAll(() => {
    console.log(`[thoth test services] Kafka round-trip ran against Apache Kafka ${inject('thoth.kafkaVersion')}`);
  });
});
