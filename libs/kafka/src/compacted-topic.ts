import type { Kafka } from 'kafkajs';
import type { KafkaLog } from './kafka-logger.js';

/**
 * Creates a compacted topic (a directory: the last record of each key is what counts) when it is
 * missing; a broker that refuses (ACLs without CREATE) leaves it to the operator, said in the log.
 */
export async function ensureCompactedTopic(kafka: Kafka, topic: string, log: Pick<KafkaLog, 'info' | 'warn'>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    log.info({ topic }, 'compacted topic created');
  } catch (error) {
    log.warn({ err: error, topic }, 'compacted topic could not be created here; it must exist');
  } finally {
    await admin.disconnect();
  }
}
