import { Global, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { createTestTopics, testKafka, testKafkaConnection } from '@thoth/testing';
import { sql } from 'drizzle-orm';
import type { Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlaneConfig } from '../../src/config/config.js';
import type { ControlPlane } from '../../src/control-plane.js';
import { EventStore } from '../../src/event-store/event-store.js';
import { decodeDecisionMessage, recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { DecisionIngestor, type IngestItem } from '../../src/modules/decisions/ingest/decision-ingestor.js';
import { startKafkaDecisionSource } from '../../src/modules/decisions/ingest/kafka-decision-source.js';
import { decisionEvent, decisionMessage, registerReceiptKey, testVerifier } from '../../src/modules/decisions/ingest/test-fixtures.js';
import {
  DECISION_INGEST_HOOKS,
  DecisionIngestion,
  DecisionRecordsRepository,
  DecisionsModule,
  type DecisionIngestHook,
  type DecisionRecord,
  type IngestOutcome,
} from '../../src/modules/decisions/index.js';
import { Clock } from '../../src/platform/clock/clock.js';
import { rowsOf, TenantDatabase, type Tx } from '../../src/platform/database/tenant-database.js';
import { CONFIG, LOGGER } from '../../src/platform/tokens.js';
import { ListReceiptKeysHandler } from '../../src/modules/enforcers/queries/list-receipt-keys/list-receipt-keys.handler.js';
import { EnforcersRepository } from '../../src/modules/enforcers/storage/enforcers.repository.js';
import { createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

// The decision read model's ingestion against the real Kafka broker and Postgres: each decision
// stored once however often it is delivered, poison and strangers' decisions counted and skipped,
// offsets committed only once the rows are in, hooks called inside the transaction with new rows only.

const silent = pino({ level: 'silent' });
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let topic: string;
let groupId: string;
let producer: Producer;
let a: { tenantId: string };
let b: { tenantId: string };
let repository: DecisionRecordsRepository;

const totals = (control: ControlPlane = cp): IngestOutcome => control.app.get(DecisionIngestion).totals();
const kafkaConfig = (group: string) => ({ decisions: { kafka: { connection: testKafkaConnection(), topic, groupId: group, sessionTimeoutMs: 10_000 } } });
const newIngestor = (hooks: DecisionIngestHook[] = []) => new DecisionIngestor(new TenantDatabase(cp.database), hooks, testVerifier(new TenantDatabase(cp.database)), silent);
const counted = (t: IngestOutcome) => t.inserted + t.duplicates + t.poison + t.unknownTenant + t.unattributed + Object.values(t.quarantined).reduce((n, q) => n + q, 0);
const ids = async (tenantId: string) => (await repository.inWindow(tenantId)).map((r) => r.decisionId);

beforeAll(async () => {
  role = await createAppLoginRole();
  [topic] = (await createTestTopics([{ name: `cp-decisions-${randomBytes(3).toString('hex')}`, numPartitions: 2 }])) as [string];
  groupId = `cp-decisions-${randomBytes(4).toString('hex')}`;
  cp = await startControlPlane(role.url, kafkaConfig(groupId));
  a = await signUp(cp.url, 'Ingest A');
  b = await signUp(cp.url, 'Ingest B');
  for (const { tenantId } of [a, b]) await registerReceiptKey(new TenantDatabase(cp.database), tenantId);
  repository = cp.app.get(DecisionRecordsRepository);
  producer = testKafka('cp-decisions-test').producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await cp?.close();
  await role?.drop();
});

describe('decision ingestion from Kafka', () => {
  it('stores each decision once; poison, unknown tenants and unattributed decisions are counted and skipped without blocking', async () => {
    const messages = [
      decisionMessage({ tenantId: a.tenantId, decisionId: 'k-a1' }),
      new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
      decisionMessage({ tenantId: a.tenantId, decisionId: 'k-a2', resource: 'crm/\u0000' }),
      decisionMessage({ tenantId: b.tenantId, decisionId: 'k-b1' }),
      decisionMessage({ tenantId: '00000000-0000-4000-8000-000000000000', decisionId: 'k-u1' }),
      decisionMessage({ tenantId: a.tenantId, decisionId: 'k-a0', errorCode: 'NOT_READY', configVersion: 0n }),
      decisionMessage({ tenantId: a.tenantId, decisionId: 'k-a1' }),
      decisionMessage({ tenantId: a.tenantId, decisionId: 'k-a3' }),
    ];
    // One key: one partition, in this order.
    await producer.send({ topic, acks: -1, messages: messages.map((value) => ({ key: `${a.tenantId}/crm-agent`, value: Buffer.from(value) })) });

    const seen = await waitFor('8 messages ingested', () => {
      const t = totals();
      return counted(t) >= 8 ? t : undefined;
    });
    expect(seen).toEqual({ inserted: 3, duplicates: 1, poison: 2, unknownTenant: 0, unattributed: 1, quarantined: { 'receipt.unknown_key': 1 } });
    expect(await ids(a.tenantId)).toEqual(['k-a1', 'k-a3']);
    expect(await ids(b.tenantId)).toEqual(['k-b1']);

    // The offsets were committed after the rows: the group is at the end of what was sent.
    const admin = testKafka('cp-decisions-admin').admin();
    await admin.connect();
    try {
      const committed = await waitFor('offsets committed', async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const sum = offsets!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
        return sum === messages.length ? sum : undefined;
      });
      expect(committed).toBe(8);
    } finally {
      await admin.disconnect();
    }
  });

  it('a replica that lost every offset reads the whole topic again and stores nothing twice', async () => {
    const before = { a: await ids(a.tenantId), b: await ids(b.tenantId) };
    const again = await startControlPlane(role.url, kafkaConfig(`${groupId}-lost`));
    try {
      const seen = await waitFor('the topic read again', () => {
        const t = totals(again);
        return counted(t) >= 8 ? t : undefined;
      });
      expect(seen).toEqual({ inserted: 0, duplicates: 4, poison: 2, unknownTenant: 0, unattributed: 1, quarantined: { 'receipt.unknown_key': 1 } });
      expect({ a: await ids(a.tenantId), b: await ids(b.tenantId) }).toEqual(before);
    } finally {
      await again.close();
    }
  });
});

describe('the Kafka source', () => {
  it('commits a batch\'s offsets only after its transaction; a failed batch is delivered again and stored once', async () => {
    const [own] = (await createTestTopics([{ name: `cp-decisions-retry-${randomBytes(3).toString('hex')}`, numPartitions: 1 }])) as [string];
    const group = `cp-decisions-retry-${randomBytes(4).toString('hex')}`;
    const admin = testKafka('cp-decisions-retry-admin').admin();
    await admin.connect();
    const committed = async () => Number((await admin.fetchOffsets({ groupId: group, topics: [own] }))[0]!.partitions[0]!.offset);
    const seenByHook: string[][] = [];
    const committedDuringHook: number[] = [];
    let failures = 2;
    const hook: DecisionIngestHook = {
      async onRecorded(_tx, _tenantId, records) {
        committedDuringHook.push(await committed());
        if (failures-- > 0) throw new Error('Postgres went away mid-batch');
        seenByHook.push(records.map((r) => r.decisionId));
      },
    };
    const ingestor = newIngestor([hook]);
    let outcome: IngestOutcome | undefined;
    const source = startKafkaDecisionSource(ingestor, { connection: testKafkaConnection(), topic: own, groupId: group, sessionTimeoutMs: 10_000 }, silent, (o) => {
      outcome = o;
    });
    try {
      await producer.send({
        topic: own,
        acks: -1,
        messages: ['r-1', 'r-2', 'r-3'].map((decisionId) => ({ key: 'k', value: Buffer.from(decisionMessage({ tenantId: a.tenantId, decisionId })) })),
      });
      await waitFor('the batch stored after two failed attempts', () => (seenByHook.length > 0 ? true : undefined));
      expect(seenByHook).toEqual([['r-1', 'r-2', 'r-3']]);
      // While the batch was failing (and during the successful attempt), nothing of it was committed.
      expect(committedDuringHook.length).toBe(3);
      expect(committedDuringHook.every((offset) => offset <= 0)).toBe(true);
      expect(await waitFor('offsets committed', async () => ((await committed()) === 3 ? 3 : undefined))).toBe(3);
      expect(outcome).toEqual({ inserted: 3, duplicates: 0, poison: 0, unknownTenant: 0, unattributed: 0, quarantined: {} });
      expect((await ids(a.tenantId)).filter((id) => id.startsWith('r-'))).toEqual(['r-1', 'r-2', 'r-3']);
    } finally {
      await source.stop();
      await admin.disconnect();
    }
  });
});

describe('DecisionIngestor', () => {
  const item = (tenantId: string, decisionId: string): IngestItem => ({
    decision: recordOfEvent(decisionEvent({ tenantId, decisionId })),
    from: 'test',
  });

  it('a redelivered batch inserts nothing and hooks see only the records new to this transaction', async () => {
    const calls: Array<{ tenantId: string; setting: string; ids: string[] }> = [];
    const hook: DecisionIngestHook = {
      async onRecorded(tx, tenantId, records) {
        // Inside the insert's transaction: the tenant is set, and the new rows are visible.
        const [row] = rowsOf<{ setting: string; visible: number }>(
          await tx.execute(sql`SELECT current_setting('thoth.tenant_id') AS setting, (SELECT count(*)::int FROM decision_records WHERE decision_id IN (${sql.join(records.map((r) => sql`${r.decisionId}`), sql`, `)})) AS visible`),
        );
        expect(row!.visible).toBe(records.length);
        calls.push({ tenantId, setting: row!.setting, ids: records.map((r) => r.decisionId) });
      },
    };
    const ingestor = newIngestor([hook]);
    const batch = [item(a.tenantId, 'h-a1'), item(b.tenantId, 'h-b1'), item(a.tenantId, 'h-a2')];

    expect(await ingestor.ingest(batch)).toEqual({ inserted: 3, duplicates: 0, poison: 0, unknownTenant: 0, unattributed: 0, quarantined: {} });
    expect(await ingestor.ingest(batch)).toEqual({ inserted: 0, duplicates: 3, poison: 0, unknownTenant: 0, unattributed: 0, quarantined: {} });
    expect(await ingestor.ingest([...batch, item(a.tenantId, 'h-a3')])).toEqual({ inserted: 1, duplicates: 3, poison: 0, unknownTenant: 0, unattributed: 0, quarantined: {} });

    expect(calls).toEqual([
      { tenantId: a.tenantId, setting: a.tenantId, ids: ['h-a1', 'h-a2'] },
      { tenantId: b.tenantId, setting: b.tenantId, ids: ['h-b1'] },
      { tenantId: a.tenantId, setting: a.tenantId, ids: ['h-a3'] },
    ]);
  });

  it('a hook that fails rolls its batch back; delivered again, the batch is stored and the hook called once', async () => {
    let failures = 1;
    const seen: string[][] = [];
    const hook: DecisionIngestHook = {
      async onRecorded(_tx, _tenantId, records) {
        if (failures-- > 0) throw new Error('the alerts table is away');
        seen.push(records.map((r) => r.decisionId));
      },
    };
    const ingestor = newIngestor([hook]);
    const batch = [item(a.tenantId, 'f-a1'), item(a.tenantId, 'f-a2')];
    await expect(ingestor.ingest(batch)).rejects.toThrow('the alerts table is away');
    expect(await repository.find(a.tenantId, 'f-a1')).toBeUndefined();
    expect(await ingestor.ingest(batch)).toMatchObject({ inserted: 2 });
    expect(await ingestor.ingest(batch)).toMatchObject({ inserted: 0, duplicates: 2 });
    expect(seen).toEqual([['f-a1', 'f-a2']]);
  });

  it('a record Postgres refuses is found and skipped as poison; the rest of its tenant batch is stored', async () => {
    // Past the decoder's checks on purpose (a jsonb value Postgres refuses: a lone surrogate in a key).
    const good = item(a.tenantId, 'p-a1');
    const bad = item(a.tenantId, 'p-a2');
    if (!bad.decision.ok) throw new Error('fixture');
    const refused: IngestItem = { from: 'test', decision: { ...bad.decision, record: { ...bad.decision.record, arguments: { ['\ud800']: 1 } } } };
    const ingestor = newIngestor();
    expect(await ingestor.ingest([good, refused, item(a.tenantId, 'p-a3')])).toEqual({ inserted: 2, duplicates: 0, poison: 1, unknownTenant: 0, unattributed: 0, quarantined: {} });
    expect(await repository.find(a.tenantId, 'p-a2')).toBeUndefined();
    expect(await repository.find(a.tenantId, 'p-a3')).toMatchObject({ decisionId: 'p-a3', outcome: 'would_deny' });
  });

  it('decisions for a tenant nobody signed up are not stored: no enforcer of it announced their key', async () => {
    const stranger = '11111111-2222-4333-8444-555555555555';
    const ingestor = newIngestor();
    expect(await ingestor.ingest([item(stranger, 's-1'), item(stranger, 's-2'), item(a.tenantId, 's-a1')])).toEqual({
      inserted: 1,
      duplicates: 0,
      poison: 0,
      unknownTenant: 0,
      unattributed: 0,
      quarantined: { 'receipt.unknown_key': 2 },
    });
    expect(await repository.inWindow(stranger)).toEqual([]);
  });

  it('round-trips every field of a DecisionRecord', async () => {
    const decoded = decodeDecisionMessage(decisionMessage({ tenantId: b.tenantId, decisionId: 'rt-1' }));
    if (!decoded.ok) throw new Error(decoded.reason);
    await newIngestor().ingest([{ decision: decoded, from: 'test' }]);
    const stored = await repository.find(b.tenantId, 'rt-1');
    expect(stored).toEqual(decoded.record);
  });
});

describe('DECISION_INGEST_HOOKS', () => {
  it('collects one hook from each module that provides the token', async () => {
    const calls: string[] = [];
    @Injectable()
    class AlertsHook implements DecisionIngestHook {
      async onRecorded(_tx: Tx, _tenantId: string, records: readonly DecisionRecord[]) {
        calls.push(`alerts:${records.length}`);
      }
    }
    @Injectable()
    class DriftHook implements DecisionIngestHook {
      async onRecorded(_tx: Tx, _tenantId: string, records: readonly DecisionRecord[]) {
        calls.push(`drift:${records.length}`);
      }
    }
    @Module({ providers: [AlertsHook, { provide: DECISION_INGEST_HOOKS, useExisting: AlertsHook }] })
    class AlertsModule {}
    @Module({ providers: [{ provide: DECISION_INGEST_HOOKS, useClass: DriftHook }] })
    class DriftModule {}
    // The platform's providers the decisions context injects (the retention job's among them: no tick here).
    @Global()
    @Module({
      providers: [
        { provide: TenantDatabase, useValue: new TenantDatabase(cp.database) },
        { provide: LOGGER, useValue: silent },
        { provide: EventStore, useValue: cp.app.get(EventStore) },
        { provide: Clock, useValue: cp.app.get(Clock) },
        { provide: CONFIG, useValue: { ...cp.app.get<ControlPlaneConfig>(CONFIG), retention: undefined } },
      ],
      exports: [TenantDatabase, LOGGER, EventStore, Clock, CONFIG],
    })
    class Platform {}
    // The key directory ingestion asks the enforcers context for.
    @Module({ providers: [ListReceiptKeysHandler, { provide: EnforcersRepository, useValue: new EnforcersRepository(new TenantDatabase(cp.database)) }] })
    class Keys {}
    @Module({ imports: [CqrsModule.forRoot(), Platform, DecisionsModule.forRoot({}), Keys, AlertsModule, DriftModule] })
    class App {}

    const app = await NestFactory.createApplicationContext(App, { logger: false });
    try {
      const ingestion = app.get(DecisionIngestion);
      const outcome = await ingestion.ingestor.ingest([
        { decision: recordOfEvent(decisionEvent({ tenantId: a.tenantId, decisionId: 'm-1' })), from: 'test' },
        { decision: recordOfEvent(decisionEvent({ tenantId: a.tenantId, decisionId: 'm-2' })), from: 'test' },
      ]);
      expect(outcome.inserted).toBe(2);
      expect(calls.sort()).toEqual(['alerts:2', 'drift:2']);
    } finally {
      await app.close();
    }
  });
});
