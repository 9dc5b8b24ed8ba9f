// Attack: wedge the decision log with large arguments. An agent's decisions share one partition
// (key tenant/agent), and kafkajs sends a produce request's events for one partition as one record
// batch, which the broker refuses over its message.max.bytes (1 MiB here, the default) with
// MESSAGE_TOO_LARGE, which no retry cures. With retained arguments near the 256 KiB limit, a few
// quick calls made a batch the broker would never take: the log retried it forever, every later
// decision waited behind it, then DECISION_LOG_FULL. Against the real broker: 24 events of one
// agent with 200 KB of retained arguments each (4.8 MB) are all delivered and readable.
// Seen failing without the byte cap (KafkaDecisionLog maxBatchBytes): delivered stayed 0, and
// failedAttempts grew, until the wait timed out.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestTopics, testKafka, testKafkaConnection } from '../../libs/testing/src/index.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { decisionEvent } from '../../apps/ledger/test/support/decisions.js';
import { waitFor } from '../integration/enforcers/harness.js';

describe('attack: arguments large enough to make a batch the broker refuses', () => {
  let log: KafkaDecisionLog | undefined;
  afterAll(async () => {
    await log?.close({ timeoutMs: 2_000 });
  });

  it('delivers every event of one agent, in batches the broker accepts', async () => {
    const [topic] = (await createTestTopics([{ name: `large-args-${randomBytes(3).toString('hex')}`, numPartitions: 1 }])) as [string];
    log = new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 100, lingerMs: 50 });
    const args = new TextEncoder().encode(JSON.stringify({ note: 'x'.repeat(200_000) }));
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const decisionId = randomUUID();
      ids.push(decisionId);
      log.publish(decisionEvent('t-large', i, { decisionId, agentId: 'a-large', retainedArgumentsJson: args }));
    }
    await waitFor('every event delivered', () => log!.stats().delivered === 24, 60_000);
    expect(log.stats()).toMatchObject({ buffered: 0, dropped: 0 });

    const consumer = testKafka('large-args-reader').consumer({ groupId: `large-args-${randomUUID()}` });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.headers?.['thoth-decision-id']?.toString() ?? '') });
    try {
      await waitFor('every event read back', () => seen.length >= 24, 60_000);
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toEqual(ids);
  });
});
