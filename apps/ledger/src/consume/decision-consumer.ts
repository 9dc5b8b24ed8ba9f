import type { SqlSession } from '@thoth/db';
import { kafkaClientConfig, kafkaLogCreator, type KafkaConnection } from '@thoth/kafka';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { TRACE_PARENT_LENGTH } from '@thoth/telemetry';
import type { DecisionFolder, FoldOutcome, SourceMessage } from '../fold/decision-folder.js';
import { readStoredOffsets } from '../fold/fold.repository.js';

export interface DecisionConsumerOptions {
  connection: KafkaConnection;
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
  /** Batches of this many partitions fold at once (decoding overlaps another batch's transaction). */
  concurrentPartitions: number;
  clientId?: string;
  log: Logger;
  /** Called after each committed batch (metrics, tests, the benchmark). */
  onFolded?: (outcome: FoldOutcome, partition: number) => void;
}

export interface DecisionConsumer {
  stop(): Promise<void>;
  /** Whether the consumer is in its group now, and the partitions it was given (absent: always in, the in-process source). */
  membership?(): ConsumerMembership;
  /** Per partition of the topic, messages past the group's next offset stored in Postgres (absent: no topic to measure). */
  lag?(): Promise<PartitionLag[]>;
}

export interface ConsumerMembership {
  readonly joined: boolean;
  readonly partitions: readonly number[];
}

export interface PartitionLag {
  readonly partition: number;
  readonly messages: number;
}

/**
 * The kafkajs side of folding: a consumer group on the decisions topic whose positions live in
 * Postgres. Kafka's committed offsets are written after each batch for lag dashboards only; on
 * every (re)assignment the consumer seeks to the offsets stored in ledger_offsets, and each batch
 * is checked against them again under lock (DecisionFolder), so a fetch that raced the seek or a
 * worker that lost its partition cannot fold anything twice.
 */
export async function startDecisionConsumer(sql: SqlSession, folder: DecisionFolder, options: DecisionConsumerOptions): Promise<DecisionConsumer> {
  const { topic, groupId, log } = options;
  const kafka = new Kafka(kafkaClientConfig(options.connection, { clientId: options.clientId ?? 'thoth-ledger', logLevel: logLevel.WARN, logCreator: kafkaLogCreator(log) }));
  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)),
    rebalanceTimeout: Math.max(options.sessionTimeoutMs, 10_000),
    maxBytesPerPartition: 4 << 20,
    maxBytes: 16 << 20,
    maxWaitTimeInMs: 50,
  });

  const admin = kafka.admin();
  const earliestOffset = async (partition: number): Promise<number> => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Number(offsets.find((o) => o.partition === partition)?.low ?? 0);
  };

  let membership: ConsumerMembership = { joined: false, partitions: [] };
  const left = (): void => {
    membership = { joined: false, partitions: [] };
  };
  consumer.on(consumer.events.STOP, left);
  consumer.on(consumer.events.DISCONNECT, left);
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const partitions = payload.memberAssignment[topic] ?? [];
    membership = { joined: true, partitions };
    void readStoredOffsets(sql, groupId, topic)
      .then((stored) => {
        for (const partition of partitions) {
          const next = stored.get(partition);
          if (next !== undefined) consumer.seek({ topic, partition, offset: String(next) });
        }
        log.info({ partitions, stored: Object.fromEntries(stored) }, 'partitions assigned; seeking to the offsets stored in Postgres');
      })
      .catch((error: unknown) => log.error({ err: error }, 'could not read stored offsets at assignment; batches are still checked under lock'));
  });

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    left();
    log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
  });
  await admin.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrentPartitions,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const messages = batch.messages.map(toSource);
      let outcome = await folder.fold(batch.topic, batch.partition, messages);
      if (outcome.resumeAt !== undefined) {
        // Kafka's committed offsets trail Postgres's (mirrored after each commit), so a batch past the
        // stored offset is a fetch that raced our seek — or messages lost to retention. Ask the broker.
        const earliest = await earliestOffset(batch.partition);
        if (earliest <= outcome.resumeAt) {
          log.warn({ partition: batch.partition, stored: outcome.resumeAt, fetched: messages[0]!.offset }, 'batch starts after the stored offset; seeking back');
          consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(outcome.resumeAt) });
          return;
        }
        log.error({ partition: batch.partition, stored: outcome.resumeAt, earliest }, 'ledger.offsets_gap: Kafka no longer holds the messages after the stored offset; folding from the first it has');
        outcome = await folder.fold(batch.topic, batch.partition, messages, { allowGap: true });
      }
      resolveOffset(batch.lastOffset());
      options.onFolded?.(outcome, batch.partition);
      if (outcome.folded + outcome.quarantined > 0) {
        log.debug({ partition: batch.partition, ...outcome }, 'batch folded');
      }
      await consumer
        .commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(outcome.nextOffset) }])
        .catch((error: unknown) => log.warn({ err: error }, 'could not mirror offsets to Kafka (Postgres holds the real ones)'));
      await heartbeat();
    },
  });

  return {
    stop: async () => {
      await consumer.disconnect();
      await admin.disconnect();
    },
    membership: () => membership,
    // The group's real positions are the offsets stored with the entries (Postgres), not Kafka's mirror.
    lag: async () => {
      const [ends, stored] = await Promise.all([admin.fetchTopicOffsets(topic), readStoredOffsets(sql, groupId, topic)]);
      return ends.map(({ partition, high, low }) => ({ partition, messages: Math.max(0, Number(high) - (stored.get(partition) ?? Number(low))) }));
    },
  };
}

function toSource(m: KafkaMessage): SourceMessage {
  const traceParent = m.headers?.['traceparent'];
  // Only a single, short header is read (parseTraceParent bounds it again): anything else is no link.
  const text = Buffer.isBuffer(traceParent) && traceParent.length <= TRACE_PARENT_LENGTH ? traceParent.toString('latin1') : undefined;
  return { offset: Number(m.offset), key: m.key, value: m.value, ...(text ? { traceParent: text } : {}) };
}
