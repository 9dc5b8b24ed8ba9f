import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { ensureCompactedTopic } from './compacted-topic.js';
import { kafkaClientConfig, type KafkaConnection } from './kafka-connection.js';
import { kafkaLogCreator, type KafkaLog } from './kafka-logger.js';

/** Where the directory's records go (@thoth/snapshot's ReceiptKeyDirectory, which verifies each one). */
export interface ReceiptKeyRecords {
  apply(key: string | null, value: string | null, from: string): void;
  readonly size: number;
  refused(): object;
}

export interface ReceiptKeyConsumerOptions {
  /** The reader's principal (thoth-ledger, thoth-enforcer): Read on the directory topic and on groups named after its own. */
  connection: KafkaConnection;
  /** The compacted directory topic (THOTH_RECEIPT_KEYS_TOPIC). */
  topic: string;
  /** The reader's consumer group: this reader's own group is named after it (one per process, never committed). */
  groupId: string;
  clientId?: string;
  log: KafkaLog;
}

export interface ReceiptKeyConsumer {
  stop(): Promise<void>;
}

/**
 * Reads the receipt key directory into `directory`, from offset 0 at every start (compaction keeps
 * the topic one record per key and process), then follows it. Resolves once it has read every
 * record the topic held when it started, so the first decisions are verified against every key
 * already published; later keys arrive as they are published (and release what waited for them).
 */
export async function startReceiptKeyConsumer(directory: ReceiptKeyRecords, options: ReceiptKeyConsumerOptions): Promise<ReceiptKeyConsumer> {
  const { topic, log } = options;
  const kafka = new Kafka(kafkaClientConfig(options.connection, { clientId: options.clientId ?? options.groupId, logLevel: logLevel.WARN, logCreator: kafkaLogCreator(log) }));
  await ensureCompactedTopic(kafka, topic, log);
  const admin = kafka.admin();
  await admin.connect();
  // Partition → the offset to have read up to (exclusive) before decisions are verified.
  const pending = new Map<number, number>();
  try {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) if (Number(high) > Number(low)) pending.set(partition, Number(high));
  } finally {
    await admin.disconnect();
  }
  let caughtUp!: () => void;
  const read = new Promise<void>((resolve) => (caughtUp = resolve));
  if (pending.size === 0) caughtUp();

  // Its own group every start: no position is kept, the whole directory is read each time.
  const consumer: Consumer = kafka.consumer({ groupId: `${options.groupId}.receipt-keys.${randomUUID()}`, maxWaitTimeInMs: 100 });
  consumer.on(consumer.events.CRASH, ({ payload }) => log.error({ err: payload.error, restart: payload.restart }, 'receipt key consumer crashed'));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      directory.apply(message.key?.toString('utf8') ?? null, message.value?.toString('utf8') ?? null, `${topic}/${partition}@${message.offset}`);
      const until = pending.get(partition);
      if (until !== undefined && Number(message.offset) + 1 >= until) {
        pending.delete(partition);
        if (pending.size === 0) caughtUp();
      }
    },
  });
  await read;
  log.info({ topic, keys: directory.size, refused: directory.refused() }, 'receipt key directory read');
  return { stop: () => consumer.disconnect() };
}
