import { kafkaClientConfig, type KafkaConnection } from '@thoth/kafka';
import { Kafka, logLevel, type ITopicConfig } from 'kafkajs';
import { inject } from 'vitest';

import './provided-context.js';

export * from './test-database.js';
export * from './private-kafka.js';
export * from './tls.js';

/** The run's own database, migrated. */
export const testDatabaseUrl = (): string => inject('thoth.databaseUrl');
export const testKafkaBrokers = (): string[] => inject('thoth.kafkaBrokers');

/** A topic name private to this test run. */
export const testTopic = (name: string): string => `${inject('thoth.topicPrefix')}${name}`;

/**
 * The tests' Kafka connection: on infra/local's broker, TLS with the development CA and SCRAM as
 * admin, a super user (the run's topics need no grants; test/security/kafka-access.test.ts shows
 * the access table's principals being refused what it does not grant).
 */
export function testKafkaConnection(): KafkaConnection {
  const { brokers, sasl, tls } = inject('thoth.kafka');
  return { brokers, sasl, tls: tls && (tls.ca ? { ca: tls.ca } : {}) };
}

/** The same connection as the KAFKA_* variables a production main reads, for child processes. */
export function testKafkaEnv(): Record<string, string> {
  const { brokers, sasl, tls } = inject('thoth.kafka');
  return {
    KAFKA_BROKERS: brokers.join(','),
    ...(sasl && { KAFKA_SASL_MECHANISM: sasl.mechanism, KAFKA_SASL_USERNAME: sasl.username, KAFKA_SASL_PASSWORD: sasl.password }),
    ...(tls && (tls.caFile ? { KAFKA_TLS_CA_FILE: tls.caFile } : { KAFKA_TLS: 'true' })),
  };
}

/** A kafkajs client for tests, quiet unless something is wrong. */
export function testKafka(clientId: string): Kafka {
  return new Kafka(kafkaClientConfig(testKafkaConnection(), { clientId, logLevel: logLevel.ERROR }));
}

/** Creates the run's topics and waits until the broker has leaders for them. */
export async function createTestTopics(topics: Array<Omit<ITopicConfig, 'topic'> & { name: string }>): Promise<string[]> {
  const admin = testKafka('thoth-test-admin').admin();
  await admin.connect();
  try {
    const names = topics.map((t) => testTopic(t.name));
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map(({ name, ...config }) => ({ topic: testTopic(name), numPartitions: 3, replicationFactor: 1, ...config })),
    });
    return names;
  } finally {
    await admin.disconnect();
  }
}

/** The Postgres superuser's URL (server-level database): only for tests that must bypass the app's rights. */
export const testAdminUrl = (): string => inject('thoth.adminUrl');
