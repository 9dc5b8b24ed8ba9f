// docs/security.md, "Kafka: principals and grants": the broker refuses a client without the right
// SCRAM password, one that speaks plaintext or skips SASL, and a principal that asks for what the
// access table (infra/kafka/access.txt) does not grant it — the enforcer joining a group not its
// own, the ledger or the control plane writing decisions, the ledger joining a group not its own — while each
// granted path works. The table is applied as it is, to this run's topics and principals.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accessAcls, ConfigResourceTypes, kafkaClient, logLevel, readAccessTable, type Admin, type KafkaConnection } from '../../libs/kafka/src/index.js';
import { createTestTopics, testKafka, testKafkaConnection } from '../../libs/testing/src/index.js';

const run = promisify(execFile);
const KAFKA_SH = fileURLToPath(new URL('../../infra/local/kafka.sh', import.meta.url));

const tag = `access-${randomBytes(3).toString('hex')}`;
/** This run's principals, topics and groups stand for the production ones. */
const user = (principal: string) => `${tag}.${principal}`;
const group = (name: string) => `${tag}.${name}`;
const PRINCIPALS = ['thoth-enforcer', 'thoth-ledger', 'thoth-control-plane'] as const;
type Principal = (typeof PRINCIPALS)[number];

describe('Kafka refuses the wrong credentials and what the access table does not grant', () => {
  const passwords = new Map<Principal, string>(PRINCIPALS.map((p) => [p, randomBytes(16).toString('hex')]));
  let topics: Record<'thoth.decisions' | 'thoth.receipt-keys', string>;
  /** A topic no row of the table names: no ACL matches it at all. */
  let unlisted: string;
  let admin: Admin;
  let scratch: string;

  /** Kafka's own tool, as the admin super user: kafkajs cannot create SCRAM users. */
  const configCommand = async (...args: string[]) => {
    const { brokers, sasl, tls } = inject('thoth.kafka');
    if (!sasl || !tls?.caFile) throw new Error('the test broker has no SASL_SSL listener (THOTH_TEST_KAFKA_SASL_*, _TLS_CA_FILE)');
    const properties = join(scratch, 'admin.properties');
    writeFileSync(
      properties,
      [
        'security.protocol=SASL_SSL',
        `sasl.mechanism=${sasl.mechanism.toUpperCase()}`,
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${sasl.username}" password="${sasl.password}";`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${tls.caFile}`,
      ].join('\n'),
      { mode: 0o600 },
    );
    await run('bash', [KAFKA_SH, 'run-class', 'kafka.admin.ConfigCommand', '--bootstrap-server', brokers.join(','), '--command-config', properties, ...args], { timeout: 120_000 });
  };

  const as = (principal: Principal, password = passwords.get(principal)!): KafkaConnection => ({
    ...testKafkaConnection(),
    sasl: { mechanism: 'scram-sha-512', username: user(principal), password },
  });
  /** Kafka error codes the broker answered, as kafkajs logs them (it reports a refused FindCoordinator as "coordinator not found"). */
  const answered: string[] = [];
  // Refused calls are not retried (a refusal is final); granted ones are, since the run's first group waits for __consumer_offsets.
  const client = (connection: KafkaConnection, retries = 0) =>
    kafkaClient(connection, {
      clientId: tag,
      logLevel: logLevel.DEBUG,
      logCreator: () => (entry) => {
        const type = (entry.log as { error?: { type?: unknown } }).error?.type;
        if (typeof type === 'string') answered.push(type);
      },
      connectionTimeout: 3_000,
      retry: { retries },
    });
  /** A consumer's refusal: what kafkajs threw, with the code the broker answered. */
  const refusedConsuming = async (attempt: Promise<unknown>) => {
    answered.length = 0;
    const refusal = await failure(attempt);
    return { ...refusal, type: refusal.type ?? answered.find((t) => t.endsWith('_AUTHORIZATION_FAILED')) };
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'thoth-kafka-access-'));
    const [decisions, receiptKeys, other] = (await createTestTopics([
      { name: `${tag}.decisions`, numPartitions: 1 },
      { name: `${tag}.receipt-keys`, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { name: `unlisted-${tag}`, numPartitions: 1 },
    ])) as [string, string, string];
    unlisted = other;
    topics = { 'thoth.decisions': decisions, 'thoth.receipt-keys': receiptKeys };
    await Promise.all(PRINCIPALS.map((p) => configCommand('--alter', '--entity-type', 'users', '--entity-name', user(p), '--add-config', `SCRAM-SHA-512=[password=${passwords.get(p)}]`)));
    admin = testKafka(`${tag}-admin`).admin();
    await admin.connect();
    const acl = accessAcls(readAccessTable(), {
      principal: user,
      group,
      topic: (name) => topics[name as keyof typeof topics] ?? `${tag}.${name}`,
    });
    await admin.createAcls({ acl });
  }, 180_000);

  afterAll(async () => {
    await admin?.deleteAcls({ filters: accessAcls(readAccessTable(), { principal: user, group, topic: (name) => topics?.[name as keyof typeof topics] ?? `${tag}.${name}` }) });
    await admin?.disconnect();
    await Promise.all(PRINCIPALS.map((p) => configCommand('--alter', '--entity-type', 'users', '--entity-name', user(p), '--delete-config', 'SCRAM-SHA-512').catch(() => undefined)));
    rmSync(scratch, { recursive: true, force: true });
  }, 180_000);

  it('authenticates only the right password over TLS, and only the table’s grants are allowed', async () => {
    // Who may not connect at all.
    const wrongPassword = client(as('thoth-enforcer', 'not-the-password')).admin();
    const refusals = {
      wrongPassword: await failure(wrongPassword.connect()),
      plaintext: await failure(listTopics({ brokers: testKafkaConnection().brokers })),
      // The broker answers ApiVersions before authentication; anything else without SASL is refused.
      tlsWithoutSasl: await failure(listTopics({ ...testKafkaConnection(), sasl: undefined })),
    };
    expect(refusals.wrongPassword.names).toContain('KafkaJSSASLAuthenticationError');
    expect(refusals.wrongPassword.message).toMatch(/invalid credentials/);
    expect(refusals.plaintext.names).toContain('KafkaJSConnectionClosedError');
    expect(refusals.tlsWithoutSasl.names).toContain('KafkaJSConnectionClosedError');

    // The enforcer writes decisions with the idempotent producer, as KafkaDecisionLog does.
    const enforcer = client(as('thoth-enforcer'), 5).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 2 } });
    await enforcer.connect();
    try {
      await enforcer.send({ topic: topics['thoth.decisions'], acks: -1, messages: [{ key: 't/a', value: 'decision' }] });
      // … and nothing else: it cannot announce receipt keys itself.
      expect(await failure(enforcer.send({ topic: topics['thoth.receipt-keys'], acks: -1, messages: [{ key: 'k', value: 'key' }] }))).toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    } finally {
      await enforcer.disconnect();
    }

    // The control plane publishes receipt keys (and writes its own approval decisions to the decisions topic, believed only under
    // its reserved process name: docs/approvals.md); the ledger and the control plane read decisions in their own groups.
    await produce(as('thoth-control-plane'), topics['thoth.receipt-keys'], 'key', 5);
    expect(await consumeOne(as('thoth-ledger'), topics['thoth.receipt-keys'], group('thoth-ledger-keys'), 5)).toBe('key');
    expect(await consumeOne(as('thoth-ledger'), topics['thoth.decisions'], group('thoth-ledger'), 5)).toBe('decision');
    expect(await consumeOne(as('thoth-control-plane'), topics['thoth.decisions'], group('thoth-control-plane-decisions'), 5)).toBe('decision');
    // Fleet state: an enforcer reads its peers' decisions and the receipt keys in its own groups, and the decisions topic's retention.
    expect(await consumeOne(as('thoth-enforcer'), topics['thoth.decisions'], group('thoth-enforcer.fleet.e1'), 5)).toBe('decision');
    expect(await consumeOne(as('thoth-enforcer'), topics['thoth.receipt-keys'], group('thoth-enforcer.fleet.e1.receipt-keys'), 5)).toBe('key');
    const enforcerAdmin = client(as('thoth-enforcer'), 5).admin();
    await enforcerAdmin.connect();
    try {
      const described = await enforcerAdmin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topics['thoth.decisions'], configNames: ['retention.ms'] }] });
      expect(described.resources[0]?.errorCode).toBe(0);
      expect(await failure(enforcerAdmin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topics['thoth.receipt-keys'], configNames: ['retention.ms'] }] }))).toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    } finally {
      await enforcerAdmin.disconnect();
    }

    // Right credentials, no grant: refused.
    expect(await refusedConsuming(consumeOne(as('thoth-enforcer'), topics['thoth.decisions'], group('thoth-ledger')))).toMatchObject({ type: 'GROUP_AUTHORIZATION_FAILED' });
    expect(await refusedConsuming(consumeOne(as('thoth-ledger'), topics['thoth.decisions'], group('thoth-control-plane-decisions')))).toMatchObject({ type: 'GROUP_AUTHORIZATION_FAILED' });
    expect(await failure(produce(as('thoth-ledger'), topics['thoth.decisions'], 'forged'))).toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(await failure(produce(as('thoth-ledger'), topics['thoth.receipt-keys'], 'forged key'))).toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    // A topic no ACL names is nobody's (allow.everyone.if.no.acl.found=false).
    expect(await failure(produce(as('thoth-enforcer'), unlisted, 'anything'))).toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    // Nothing forged landed: each topic holds the one message its writer wrote.
    for (const topic of Object.values(topics)) expect((await admin.fetchTopicOffsets(topic)).map((o) => o.high)).toEqual(['1']);
  });

  async function listTopics(connection: KafkaConnection): Promise<string[]> {
    const a = client(connection).admin();
    try {
      await a.connect();
      return await a.listTopics();
    } finally {
      await a.disconnect();
    }
  }

  /** Writes one message (no idempotence, so a refusal names the topic rather than the cluster). */
  async function produce(connection: KafkaConnection, topic: string, value: string, retries = 0): Promise<void> {
    const producer = client(connection, retries).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    } finally {
      await producer.disconnect();
    }
  }

  /** The first value read from the beginning in `groupId`, or the error that stopped the consumer. */
  async function consumeOne(connection: KafkaConnection, topic: string, groupId: string, retries = 0): Promise<string> {
    const consumer = client(connection, retries).consumer({ groupId, retry: { retries, restartOnFailure: async () => false } });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing read from ${topic} in 30 s`)), 30_000);
        const settle = (outcome: () => void) => {
          clearTimeout(timer);
          outcome();
        };
        consumer.on(consumer.events.CRASH, ({ payload }) => settle(() => reject(payload.error)));
        consumer.run({ eachMessage: async ({ message }) => settle(() => resolve(String(message.value))) }).catch((error: unknown) => settle(() => reject(error)));
      });
    } finally {
      await consumer.disconnect();
    }
  }
});

/** What a refused call failed with: kafkajs' error and the errors it wraps (names), the first Kafka protocol error code (type). */
async function failure(attempt: Promise<unknown>): Promise<{ names: string[]; type: string | undefined; message: string }> {
  try {
    await attempt;
  } catch (error) {
    const names: string[] = [];
    let type: string | undefined;
    for (let e = error as { name?: string; type?: string; cause?: unknown; originalError?: unknown } | undefined; e; e = (e.originalError ?? e.cause) as typeof e) {
      names.push(e.name ?? 'Error');
      type ??= e.type;
    }
    return { names, type, message: String((error as Error).message) };
  }
  throw new Error('expected a refusal, but the call succeeded');
}
