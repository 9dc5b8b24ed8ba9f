// The decision events an attack test's enforcer published, read back from the topic as every
// consumer of the decision stream reads them (@thoth/contracts readDecisionEvent).
import { readDecisionEvent, type DecisionEvent } from '../../../libs/contracts/src/index.js';
import { testKafka } from '../../../libs/testing/src/index.js';
import { waitFor } from '../../integration/enforcers/harness.js';

/** Reads `topic` from the beginning, in a group of its own, until `until` holds of what was read. */
export async function consumeDecisions(topic: string, until: (events: DecisionEvent[]) => boolean): Promise<DecisionEvent[]> {
  const consumer = testKafka('security-decisions').consumer({ groupId: `security-${Math.random().toString(36).slice(2)}` });
  const events: DecisionEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const read = readDecisionEvent(message.value);
        if (read.ok) events.push(read.event);
      },
    });
    await waitFor('the decisions on Kafka', () => until(events), 60_000);
    return events;
  } finally {
    await consumer.disconnect();
  }
}
