import { migrate, openDatabase } from '@thoth/db';
import { kafkaClientConfig, type KafkaConnection } from '@thoth/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { ensureChromium, resolveKafka, resolvePostgres, resolvePostgresAdminUrl } from './services.js';
import { createTestDatabase, dropTestDatabase } from './test-database.js';
import './provided-context.js';


/**
 * Once per test run: real Postgres and Kafka, a database of the run's own with the
 * committed migrations applied, and a topic prefix of its own, so that runs never see each
 * other's data; for the browser project, Chromium too. Everything is removed again at the
 * end unless THOTH_TEST_KEEP=1.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}_${randomBytes(3).toString('hex')}`;
  const [postgres, kafka, chromium] = await Promise.all([
    resolvePostgres(),
    resolveKafka(),
    project.name === 'browser' ? ensureChromium() : undefined,
  ]);

  const databaseName = `thoth_test_${runId}`;
  const databaseUrl = await createTestDatabase(postgres.url, databaseName);
  const database = await openDatabase({ url: databaseUrl, maxConnections: 1 });
  const [{ version } = { version: 'unknown' }] = await database.sql.query<{ version: string }>(
    'SELECT current_setting($1) AS version',
    ['server_version'],
  );
  await migrate(database.sql);
  await database.close();

  const topicPrefix = `thoth.test.${runId}.`;
  const kafkaVersion = kafka.version ?? 'not reported';
  console.log(
    `[thoth test services] ${project.name}: PostgreSQL ${version} (${postgres.source}), ` +
      `Apache Kafka ${kafkaVersion} at ${kafka.connection.brokers.join(',')} ${kafkaSecurity(kafka.connection)} (${kafka.source}); ` +
      `database ${databaseName}, topics ${topicPrefix}*${chromium ? `; ${chromium}` : ''}`,
  );

  project.provide('thoth.runId', runId);
  project.provide('thoth.databaseUrl', databaseUrl);
  project.provide('thoth.serverUrl', postgres.url);
  project.provide('thoth.adminUrl', await resolvePostgresAdminUrl(postgres));
  project.provide('thoth.postgresVersion', version);
  project.provide('thoth.kafkaBrokers', [...kafka.connection.brokers]);
  const { sasl, tls } = kafka.connection;
  project.provide('thoth.kafka', {
    brokers: [...kafka.connection.brokers],
    sasl: sasl && { ...sasl },
    tls: tls && { ca: tls.ca, caFile: kafka.caFile },
  });
  project.provide('thoth.kafkaVersion', kafkaVersion);
  project.provide('thoth.topicPrefix', topicPrefix);

  return async () => {
    if (process.env['THOTH_TEST_KEEP'] !== '1') {
      await dropTestDatabase(postgres.url, databaseName);
      await deleteTopics(kafka.connection, topicPrefix);
    }
    await Promise.all([postgres.stop(), kafka.stop()]);
  };
}

const kafkaSecurity = ({ tls, sasl }: KafkaConnection): string =>
  [tls ? 'TLS' : 'plaintext', sasl ? `SASL ${sasl.mechanism.toUpperCase()} as ${sasl.username}` : 'anonymous'].join(', ');

async function deleteTopics(connection: KafkaConnection, prefix: string): Promise<void> {
  const admin = new Kafka(kafkaClientConfig(connection, { clientId: 'thoth-test-teardown', logLevel: logLevel.NOTHING })).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
