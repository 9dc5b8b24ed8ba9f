// What test/bench/ledger needs from this package's dependencies (test/bench resolves none of them):
// no vitest here, so it runs under plain tsx.
import { readKafkaConnection, type KafkaConnection } from '@thoth/kafka';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

export { migrate, openDatabase } from '@thoth/db';
export { decodeBase64, generateSignerKey, leafHash, openCheckpoint, parseSignerKey, parseVerifierKey, verifierFromSigner, verifyInclusion } from '@thoth/merkle';
export { kafkaClientConfig, type KafkaConnection } from '@thoth/kafka';
export { publicKeyBase64, signDecisionEvents } from '@thoth/snapshot';
export { Kafka, logLevel, type Producer } from 'kafkajs';
export { pino } from 'pino';

const run = promisify(execFile);

/**
 * Postgres (a role that may create databases) and Kafka (THOTH_TEST_KAFKA_*, as the tests read
 * them): from the environment, else infra/local (its broker's admin).
 */
export async function benchServices(root: string, env: NodeJS.ProcessEnv): Promise<{ serverUrl: string; kafka: KafkaConnection; kafkaEnv: Record<string, string> }> {
  const serverUrl = env['THOTH_TEST_DATABASE_URL'] ?? lastLine((await run('bash', [`${root}infra/local/postgres.sh`, 'url'])).stdout);
  const kafkaEnv: Record<string, string> = env['THOTH_TEST_KAFKA_BROKERS']
    ? (Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('THOTH_TEST_KAFKA_'))) as Record<string, string>)
    : Object.fromEntries(
        (await run('bash', [`${root}infra/local/kafka.sh`, 'env', '--test'])).stdout
          .trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
      );
  const kafka = readKafkaConnection(kafkaEnv, 'THOTH_TEST_KAFKA_');
  if (!kafka) throw new Error('no Kafka: set THOTH_TEST_KAFKA_BROKERS or start infra/local/kafka.sh');
  // The same settings under the names a production main reads.
  const appEnv = Object.fromEntries(Object.entries(kafkaEnv).map(([k, v]) => [k.replace(/^THOTH_TEST_KAFKA_/, 'KAFKA_'), v]));
  return { serverUrl, kafka, kafkaEnv: appEnv };
}

export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^thoth_test_bench_[a-z0-9_]+$/.test(name)) throw new Error(`refusing database name ${name}`);
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  if (!/^thoth_test_bench_[a-z0-9_]+$/.test(name)) throw new Error(`refusing database name ${name}`);
  await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  if (!line) throw new Error('infra/local printed no address');
  return line;
}
