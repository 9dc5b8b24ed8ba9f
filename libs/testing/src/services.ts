import { readKafkaConnection, type KafkaConnection } from '@thoth/kafka';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INFRA_LOCAL = fileURLToPath(new URL('../../../infra/local/', import.meta.url));

/** Where a test run's Postgres or Kafka came from, for the log line that names it. */
export type ServiceSource = 'environment' | 'testcontainers' | 'infra/local';

export interface PostgresService {
  /** A role that may create databases (never the per-run database itself). */
  url: string;
  source: ServiceSource;
  stop(): Promise<void>;
}

export interface KafkaService {
  /** The tests' principal: a super user over SASL_SSL on infra/local's broker. */
  connection: KafkaConnection;
  /** The CA file of `connection.tls`, for child processes (KAFKA_TLS_CA_FILE). */
  caFile: string | undefined;
  source: ServiceSource;
  /** The broker's release, when the provider knows it (the Kafka protocol does not report it). */
  version: string | undefined;
  stop(): Promise<void>;
}

const KAFKA_IMAGE = 'apache/kafka:3.9.1';
const POSTGRES_IMAGE = 'postgres:17';
const noop = async (): Promise<void> => {};

/**
 * Test services in the order docs/architecture.md ("Conventions") gives: the environment, then testcontainers when a
 * Docker engine answers, then the project's own infra/local scripts (Debian's PostgreSQL,
 * Kafka in KRaft mode from its Maven Central jars).
 */
export async function resolvePostgres(env: NodeJS.ProcessEnv = process.env): Promise<PostgresService> {
  const fromEnv = env['THOTH_TEST_DATABASE_URL'];
  if (fromEnv) return { url: fromEnv, source: 'environment', stop: noop };
  if (await dockerAnswers(env)) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
      .withUsername('thoth')
      .withPassword('thoth')
      .withDatabase('thoth')
      .start();
    return { url: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) };
  }
  const { stdout } = await infraLocal('postgres.sh', 'start', 'url');
  return { url: lastLine(stdout), source: 'infra/local', stop: noop };
}

/**
 * From the environment: THOTH_TEST_KAFKA_BROKERS with THOTH_TEST_KAFKA_SASL_USERNAME,
 * _SASL_PASSWORD or _SASL_PASSWORD_FILE, _TLS_CA_FILE (what `infra/local/up.sh` prints, read as
 * @thoth/kafka's readKafkaConnection reads KAFKA_*). From infra/local: its broker's admin.
 */
export async function resolveKafka(env: NodeJS.ProcessEnv = process.env): Promise<KafkaService> {
  const fromEnv = readKafkaConnection(env, 'THOTH_TEST_KAFKA_');
  if (fromEnv) {
    return { connection: fromEnv, caFile: env['THOTH_TEST_KAFKA_TLS_CA_FILE'] || undefined, source: 'environment', version: undefined, stop: noop };
  }
  if (await dockerAnswers(env)) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
    return {
      connection: { brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`] },
      caFile: undefined,
      source: 'testcontainers',
      version: KAFKA_IMAGE.split(':')[1],
      stop: async () => void (await container.stop()),
    };
  }
  const { stdout } = await infraLocal('kafka.sh', 'start', 'env --test');
  const local = Object.fromEntries(stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const connection = readKafkaConnection(local, 'THOTH_TEST_KAFKA_');
  if (!connection) throw new Error(`infra/local/kafka.sh env --test printed no THOTH_TEST_KAFKA_BROKERS: ${stdout}`);
  const versionLine = await run('bash', [INFRA_LOCAL + 'kafka.sh', 'status'], { timeout: 60_000 });
  return {
    connection,
    caFile: local['THOTH_TEST_KAFKA_TLS_CA_FILE'],
    source: 'infra/local',
    version: /kafka\s+(\S+)/i.exec(versionLine.stdout)?.[1],
    stop: noop,
  };
}

/**
 * Debian's Chromium for the browser tests (playwright-core drives /usr/bin/chromium):
 * infra/local/chromium.sh installs it with apt-get when it is missing, as the services are
 * installed when they are, so `pnpm test` needs nothing prepared. Returns its one line.
 */
export async function ensureChromium(): Promise<string> {
  const { stdout } = await run('bash', [INFRA_LOCAL + 'chromium.sh'], { timeout: 900_000, maxBuffer: 16 << 20 });
  return lastLine(stdout);
}

async function dockerAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env['THOTH_TEST_NO_DOCKER'] === '1') return false;
  if (!env['DOCKER_HOST'] && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** Starts a service with infra/local (idempotent, quick when it already runs), then asks it for its address. */
async function infraLocal(script: string, start: string, query: string): Promise<{ stdout: string }> {
  const path = INFRA_LOCAL + script;
  await run('bash', [path, start], { timeout: 600_000, maxBuffer: 16 << 20 });
  return run('bash', [path, ...query.split(' ')], { timeout: 60_000 });
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  if (!line) throw new Error('infra/local printed no address');
  return line;
}

/**
 * A superuser URL on the same server: THOTH_TEST_DATABASE_ADMIN_URL, else infra/local's, else the
 * test role itself (testcontainers makes it a superuser).
 */
export async function resolvePostgresAdminUrl(postgres: PostgresService, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env['THOTH_TEST_DATABASE_ADMIN_URL'];
  if (fromEnv) return fromEnv;
  if (postgres.source === 'testcontainers') return postgres.url;
  const { stdout } = await run('bash', [INFRA_LOCAL + 'postgres.sh', 'url', '--admin'], { timeout: 60_000 });
  return lastLine(stdout);
}
