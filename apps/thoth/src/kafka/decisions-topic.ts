import { kafkaClientConfig, type KafkaConnection } from '@thoth/kafka';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/** A reason the launcher stops before starting anything, said in one line. */
export class StartupError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TopicSpec {
  topic: string;
  /** Create the topic when it is missing; otherwise only check that it exists. */
  create: boolean;
  partitions: number;
  /** Undefined: 3, or the number of brokers when the cluster has fewer. */
  replicationFactor: number | undefined;
  retentionMs: number;
}

export interface TopicReady {
  created: boolean;
  partitions: number;
  replicationFactor: number;
}

/**
 * Makes sure the decisions topic exists before anything subscribes to it or produces to it.
 * Brokers commonly refuse to auto-create topics (infra/local's does, as production clusters
 * should): without this, the first consumer dies on UNKNOWN_TOPIC_OR_PARTITION. Creates the
 * topic when it is missing and allowed; otherwise a StartupError names the topic and the
 * command that creates it.
 */
export async function ensureDecisionsTopic(connection: KafkaConnection, spec: TopicSpec, log: Logger): Promise<TopicReady> {
  const brokers = [...connection.brokers];
  const admin = new Kafka(
    kafkaClientConfig(connection, {
      clientId: 'thoth-topic-provisioning',
      logLevel: logLevel.NOTHING,
      retry: { retries: 4, initialRetryTime: 300 },
    }),
  ).admin();
  try {
    await admin.connect();
  } catch (error) {
    if ((error as Error).name === 'KafkaJSSASLAuthenticationError') {
      throw new StartupError('kafka.authentication_failed', `Kafka at ${brokers.join(',')} refused KAFKA_SASL_USERNAME=${connection.sasl?.username}: ${reason(error)}`);
    }
    throw new StartupError('kafka.unreachable', `cannot reach Kafka at ${brokers.join(',')} (KAFKA_BROKERS): ${reason(error)}`);
  }
  try {
    const existing = await partitionsOf(admin, spec.topic);
    if (existing) {
      log.info({ topic: spec.topic, partitions: existing.partitions, created: false }, 'kafka topic ready');
      return { created: false, ...existing };
    }
    if (!spec.create) {
      throw new StartupError('kafka.topic_missing', `${missing(brokers, spec, spec.replicationFactor ?? 1, Boolean(connection.sasl))} (THOTH_KAFKA_CREATE_TOPICS=false)`);
    }
    const clusterBrokers = (await admin.describeCluster()).brokers.length;
    const replicationFactor = spec.replicationFactor ?? Math.max(1, Math.min(3, clusterBrokers));
    try {
      // false: another process created it meanwhile, which is as good.
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: spec.topic,
            numPartitions: spec.partitions,
            replicationFactor,
            configEntries: [{ name: 'retention.ms', value: String(spec.retentionMs) }],
          },
        ],
      });
      const ready = (await partitionsOf(admin, spec.topic)) ?? { partitions: spec.partitions, replicationFactor };
      log.info({ topic: spec.topic, ...ready, retentionMs: spec.retentionMs, created }, created ? 'kafka topic created' : 'kafka topic ready');
      return { created, ...ready };
    } catch (error) {
      throw new StartupError('kafka.topic_missing', `${missing(brokers, spec, replicationFactor, Boolean(connection.sasl))}; creating it failed: ${reason(error)}`);
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function partitionsOf(admin: ReturnType<Kafka['admin']>, topic: string): Promise<Omit<TopicReady, 'created'> | undefined> {
  if (!(await admin.listTopics()).includes(topic)) return undefined;
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = topics[0]?.partitions ?? [];
  return { partitions: partitions.length, replicationFactor: partitions[0]?.replicas.length ?? 0 };
}

/** The one line: which topic is missing, where, and the command that creates it. */
export function missing(brokers: string[], spec: TopicSpec, replicationFactor: number, sasl = false): string {
  const loopback = brokers.every((b) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(b));
  // With infra/local's broker, its own CLI runner; elsewhere Kafka's kafka-topics.sh.
  const cli = loopback ? 'bash infra/local/kafka.sh run-class org.apache.kafka.tools.TopicCommand' : 'kafka-topics.sh';
  return (
    `Kafka topic ${spec.topic} does not exist on ${brokers.join(',')}; create it with: ` +
    `${cli} --bootstrap-server ${brokers.join(',')} --create --topic ${spec.topic} ` +
    `--partitions ${spec.partitions} --replication-factor ${replicationFactor} --config retention.ms=${spec.retentionMs}` +
    // As a principal that may create topics: infra/local's admin, or the operators' own.
    (sasl ? ` --command-config ${loopback ? 'infra/local/.state/kafka/secrets/admin.properties' : '<client properties of a principal that may create topics>'}` : '')
  );
}

function reason(error: unknown): string {
  const e = error as { message?: string; type?: string; errors?: Array<{ type?: string; message?: string }>; originalError?: unknown };
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.map((x) => x.type ?? x.message).join(', ');
  if (e.originalError) return reason(e.originalError);
  return (e.type ?? e.message ?? String(error)).split('\n')[0]!;
}
