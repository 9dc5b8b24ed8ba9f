import { migrate, openDatabase, type DatabaseHandle } from '@thoth/db';
import { generateSignerKey, parseSignerKey, verifierFromSigner } from '@thoth/merkle';
import { createTestDatabase, dropTestDatabase, testAdminUrl, testKafka, testTopic, withDatabase, testKafkaEnv } from '@thoth/testing';
import type { Producer } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { inject } from 'vitest';
import { loadConfig, type LedgerConfig } from '../../src/config/config.js';
import { createLedgerLogin } from './app-role.js';
import { receiptKeyRecords, TEST_CONTROL_PLANE_KEY } from './decisions.js';
import { publicKeyBase64, type ReceiptKeyRecord } from '@thoth/snapshot';

export interface LedgerTestContext {
  name: string;
  /** The file's own database, as its owner (role thoth): may do what the migrations did. */
  owner: DatabaseHandle;
  ownerUrl: string;
  /** As the ledger worker: a login role that is a member of thoth_ledger and nothing more. */
  appUrl: string;
  /** As the Postgres superuser, on the file's database. */
  adminUrl: string;
  topic: string;
  /** The context's receipt key directory topic (compacted). */
  receiptKeysTopic: string;
  group: string;
  anchorDir: string;
  signingKey: string;
  verifierKey: string;
  env: Record<string, string>;
  config(overrides?: Record<string, string>): LedgerConfig;
  /** Creates the context's topic with `partitions` partitions, and waits for their leaders. */
  createTopic(partitions: number): Promise<void>;
  /**
   * Publishes directory records to the context's receipt key directory: by default, that the test
   * enforcer of each tenant announced TEST_ENFORCER_KEY, so the tenants' decisions are believed.
   */
  trust(tenantIds: readonly string[], records?: readonly ReceiptKeyRecord[]): Promise<void>;
  cleanup(): Promise<void>;
}

export const quietLog = pino({ level: 'warn', base: { service: 'ledger-test' } });

/**
 * A database of the test file's own (the checkpointer signs for every tenant in its database, so
 * files must not share one), migrated; a login role for the worker; a topic; an anchor directory.
 */
export async function ledgerTestContext(name: string): Promise<LedgerTestContext> {
  const dbName = `thoth_test_${inject('thoth.runId')}_${name}`;
  const ownerUrl = await createTestDatabase(inject('thoth.serverUrl'), dbName);
  const owner = await openDatabase({ url: ownerUrl, maxConnections: 4 });
  await migrate(owner.sql);
  const login = await createLedgerLogin(inject('thoth.serverUrl'), ownerUrl, `thoth_ledger_${inject('thoth.runId')}_${name}`);
  const anchorDir = mkdtempSync(join(tmpdir(), `thoth-anchor-${name}-`));
  const signingKey = generateSignerKey('thoth.dev/ledger');
  const signer = parseSignerKey(signingKey);
  if (!signer.ok) throw new Error(signer.reason);
  const topic = testTopic(`ledger-${name}`);
  const receiptKeysTopic = testTopic(`receipt-keys-${name}`);
  const group = `thoth-ledger-${name}`;
  const env = {
    DATABASE_URL: login.url,
    ...testKafkaEnv(),
    THOTH_LEDGER_SIGNING_KEY: signingKey,
    THOTH_LEDGER_TOPIC: topic,
    THOTH_RECEIPT_KEYS_TOPIC: receiptKeysTopic,
    THOTH_CONFIG_PUBLIC_KEYS: publicKeyBase64(TEST_CONTROL_PLANE_KEY),
    THOTH_LEDGER_GROUP: group,
    THOTH_LEDGER_ANCHOR_DIR: anchorDir,
    THOTH_LEDGER_CHECKPOINT_INTERVAL_MS: '100',
    THOTH_LEDGER_KAFKA_SESSION_TIMEOUT_MS: '6000',
    THOTH_LEDGER_HTTP_PORT: '0',
    THOTH_LEDGER_OPS_PORT: '0',
    THOTH_LOG_LEVEL: 'warn',
  };
  return {
    name,
    owner,
    ownerUrl,
    appUrl: login.url,
    adminUrl: withDatabase(testAdminUrl(), dbName),
    topic,
    receiptKeysTopic,
    group,
    anchorDir,
    signingKey,
    verifierKey: verifierFromSigner(signer.value),
    env,
    config: (overrides = {}) => loadConfig({ ...env, ...overrides }),
    createTopic: async (partitions) => {
      const admin = testKafka(`ledger-${name}-admin`).admin();
      await admin.connect();
      try {
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
      } finally {
        await admin.disconnect();
      }
    },
    trust: async (tenantIds, records = receiptKeyRecords(tenantIds)) => {
      const kafka = testKafka(`ledger-${name}-directory`);
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic: receiptKeysTopic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
      } finally {
        await admin.disconnect();
      }
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({ topic: receiptKeysTopic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value })) });
      } finally {
        await producer.disconnect();
      }
    },
    cleanup: async () => {
      await owner.close();
      await dropTestDatabase(inject('thoth.serverUrl'), dbName);
      await login.drop();
      rmSync(anchorDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `probe` returns true; the guard only keeps a broken run from hanging (no timing is asserted). */
export async function eventually(probe: () => Promise<boolean>, what: string, guardMs = 90_000): Promise<void> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function count(db: DatabaseHandle, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.sql.query<{ n: string }>(sql, params);
  return Number(row?.n ?? 0);
}

/** A connected producer that keeps the order of what it sends (idempotent, one request in flight). */
export async function orderedProducer(clientId: string): Promise<Producer> {
  const producer = testKafka(clientId).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

// For tests outside this package (test/e2e, test/bench), which resolve no packages of their own.
export { testKafka } from '@thoth/testing';
export { default as pg } from 'pg';
