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

/** A kafkajs client for tests, quiet unless something is wrong. */
export function testKafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: testKafkaBrokers(), logLevel: logLevel.ERROR });
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
