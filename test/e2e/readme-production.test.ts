import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, testKafka, testKafkaBrokers, testKafkaEnv, testTopic } from '../../libs/testing/src/index.js';
import { waitFor } from '../integration/enforcers/harness.js';

// "A clone that passes on its own": the README's production wiring works as written against
// the services infra/local/up.sh starts. The command is taken from README.md; it must point at
// infra/local's Postgres and Kafka, and it runs pointed at this test run's own database and a
// topic of the run's own (the README's `thoth` database and `thoth.decisions` topic are shared
// state: every checkout on the machine would see this test's tenants and decisions). The broker
// does not auto-create topics, so the launcher creates the decisions topic itself; when it may
// not, it stops with one line naming the topic and the command that creates it.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INFRA_LOCAL = join(ROOT, 'infra/local');
/** kafkajs's ConfigResourceTypes.TOPIC (the Kafka protocol's resource type 2). */
const TOPIC_RESOURCE = 2;
const PRODUCTION = /^env DATABASE_URL=(\S+) \$\(bash infra\/local\/kafka\.sh env (\S+)\) pnpm start$/;

interface Run {
  /** The process group: bash, pnpm, tsx and the launcher. */
  group: number;
  exited: boolean;
  exit: Promise<number | null>;
  stdout: string[];
  stderr: string[];
  json: Array<Record<string, unknown>>;
}

function start(command: string, env: Record<string, string>): Run {
  const child = spawn('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { group: child.pid!, exited: false, exit: Promise.resolve(null), stdout: [], stderr: [], json: [] };
  run.exit = new Promise((resolve) =>
    child.once('exit', (code) => {
      run.exited = true;
      resolve(code);
    }),
  );
  const lines = (into: string[], parse: boolean) => {
    let rest = '';
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        into.push(line);
        if (parse && line.startsWith('{')) run.json.push(JSON.parse(line) as Record<string, unknown>);
      }
    };
  };
  child.stdout.on('data', lines(run.stdout, true));
  child.stderr.on('data', lines(run.stderr, false));
  return run;
}

describe('the README’s production command against infra/local’s Postgres and Kafka', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const command = readme.split('\n').find((line) => PRODUCTION.test(line.trim()))?.trim();
  const serverUrl = inject('thoth.serverUrl');
  const suffix = randomBytes(3).toString('hex');
  const databaseName = `thoth_test_${inject('thoth.runId')}_readme_${suffix}`;
  const topic = testTopic(`readme-decisions-${suffix}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-readme-production-'));
  let databaseUrl = '';
  let refused: Run;
  let thoth: Run;
  let up: Record<string, unknown>;

  /** The README's line, unchanged but for the database and the Kafka settings (the run's, whose principal may use its topics). */
  const pointedAt = (database: string) =>
    command!.replace(PRODUCTION, `env DATABASE_URL=${database} ${Object.entries(testKafkaEnv()).map(([k, v]) => `${k}=${v}`).join(' ')} pnpm start`);
  const env = (extra: Record<string, string>) => ({
    THOTH_DATA_DIR: dataDir,
    THOTH_HTTP_PORT: '0',
    THOTH_GRPC_PORT: '0',
    THOTH_ENFORCER_GRPC_PORT: '0',
    THOTH_LEDGER_HTTP_PORT: '0',
    THOTH_LOG_LEVEL: 'info',
    THOTH_LEDGER_GROUP: `readme-ledger-${suffix}`,
    THOTH_DECISIONS_GROUP: `readme-control-plane-${suffix}`,
    THOTH_RECEIPT_KEYS_TOPIC: testTopic(`readme-receipt-keys-${suffix}`),
    ...extra,
  });

  beforeAll(async () => {
    if (!command) throw new Error('README.md no longer gives `env DATABASE_URL=… $(bash infra/local/kafka.sh env …) pnpm start`');
    databaseUrl = await createTestDatabase(serverUrl, databaseName);

    // Not allowed to create topics: one line, the topic and the command; nothing started.
    refused = start(pointedAt(databaseUrl), env({ THOTH_DECISIONS_TOPIC: `${topic}-absent`, THOTH_KAFKA_CREATE_TOPICS: 'false' }));
    await refused.exit;

    thoth = start(pointedAt(databaseUrl), env({ THOTH_DECISIONS_TOPIC: topic }));
    up = await waitFor(
      `thoth to log "thoth is up"\n${[...thoth.stdout, ...thoth.stderr].slice(-30).join('\n')}`,
      () => thoth.json.find((l) => l['msg'] === 'thoth is up'),
      180_000,
    );
  });

  afterAll(async () => {
    // Only when a test failed before the clean stop.
    for (const run of [refused, thoth] as Array<Run | undefined>) {
      if (run && !run.exited) {
        process.kill(-run.group, 'SIGKILL');
        await run.exit;
      }
    }
    await dropTestDatabase(serverUrl, databaseName).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is given for the services infra/local/up.sh starts', async () => {
    const local = async (script: string, ...args: string[]) => {
      const env = { ...process.env };
      for (const name of ['THOTH_PG_PORT', 'THOTH_KAFKA_PORT']) delete env[name];
      return (await promisify(execFile)('bash', [join(INFRA_LOCAL, script), ...args], { env })).stdout.trim();
    };
    const [, database, principal] = PRODUCTION.exec(command!)!;
    expect(database).toBe(await local('postgres.sh', 'url'));
    // The principal's settings: infra/local's broker, over SASL_SSL.
    const kafka = Object.fromEntries((await local('kafka.sh', 'env', principal!)).split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
    expect(kafka).toMatchObject({ KAFKA_BROKERS: await local('kafka.sh', 'brokers'), KAFKA_SASL_USERNAME: principal, KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    expect(kafka['KAFKA_TLS_CA_FILE']).toMatch(/ca\.crt$/);
  });

  it('stops with one line naming the missing topic and the command that creates it, when it may not create it', async () => {
    expect(await refused.exit).toBe(1);
    const said = refused.stderr.filter((l) => l.startsWith('thoth: '));
    expect(said, refused.stderr.join('\n')).toHaveLength(1);
    expect(said[0]).toContain(`Kafka topic ${topic}-absent does not exist on ${testKafkaBrokers().join(',')}`);
    expect(said[0]).toContain(`org.apache.kafka.tools.TopicCommand --bootstrap-server ${testKafkaBrokers().join(',')} --create --topic ${topic}-absent --partitions 3`);
    const everything = [...refused.stdout, ...refused.stderr].join('\n');
    expect(everything).not.toMatch(/^\s+at /m);
    expect(everything).not.toContain('UNKNOWN_TOPIC_OR_PARTITION');
    expect(everything).not.toContain('database ready');
  });

  it('creates the decisions topic (3 partitions, 7 days’ retention) and serves its APIs', async () => {
    expect(thoth.json.find((l) => l['msg'] === 'kafka topic created')).toMatchObject({ topic, partitions: 3, replicationFactor: 1, created: true });
    expect(up).toMatchObject({ mode: 'production', decisionLog: 'kafka' });
    const admin = testKafka('thoth-readme-production').admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0]?.partitions).toHaveLength(3);
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['retention.ms'] }] });
      expect(resources[0]?.configEntries.find((c) => c.configName === 'retention.ms')?.configValue).toBe('2764800000');
    } finally {
      await admin.disconnect();
    }

    const openapi = await fetch(String(up['openapi']));
    expect(openapi.status).toBe(200);
    expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    const health = await fetch(`${String(up['ledger'])}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('stops cleanly on SIGTERM', async () => {
    process.kill(Number(up['pid']), 'SIGTERM');
    expect(await thoth.exit, thoth.stderr.join('\n')).toBe(0);
    await waitFor('the shutdown line', () => thoth.json.find((l) => l['msg'] === 'shutting down'), 10_000);
    expect(thoth.json.filter((l) => Number(l['level']) >= 50), thoth.stdout.join('\n')).toEqual([]);
    expect(thoth.stderr.join('\n')).not.toMatch(/^\s+at /m);
  });
});
