// Fleet state on the real broker: two enforcers in this process, each publishing its decisions
// (window updates included) to a decisions topic and folding the other's, verified against a
// receipt key directory signed by the control plane's key. One scenario, several proofs:
// a limit, a record budget and a tenant-scoped sequence are enforced across the two; hostile
// messages (no receipt, a tampered one, another tenant's window, a time in the future, bytes
// that do not decode) fold nothing; a restarted enforcer rebuilds its windows before it is
// ready; a topic that keeps less than the longest window makes it not ready.
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DecisionEventSchema, Effect, WindowUpdateSchema, type DecisionEvent } from '@thoth/contracts';
import { generateSigningKey, publicKeyBase64, signDecisionEvents, signerFromSeed, signReceiptKeyEntry, type Signer } from '@thoth/snapshot';
import { createTestTopics, testKafka, testKafkaConnection } from '@thoth/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaDecisionLog } from '../../../apps/enforcer/src/emit/kafka-decision-log.js';
import { policyYaml } from '../../../libs/testing/src/policy-yaml.js';
import { agentClient, controlPlaneKey, startControlPlane, startTestEnforcer, tenantConfig, waitFor, type TestControlPlane } from './harness.js';

const TENANT = '7e0a0000-0000-4000-8000-00000000f1e1';
const OTHER = '7e0a0000-0000-4000-8000-00000000f1e2';
const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => ({ id, token: `thoth_at_fleet_${id}_token` }));
const TEN_MINUTES = 600_000;
const POLICY = policyYaml(
  'fleet',
  1,
  `limits:
  - id: five-reads
    match: {tools: ["crm.read_*"]}
    window: {duration: 10m, maxCalls: 5}
  - id: export-records
    match: {tools: ["crm.export_*"]}
    records: 'size(args.ids)'
    window: {duration: 10m, maxRecords: 10}
sequences:
  - id: fabrication
    after: {tools: ["crm.delete_*"]}
    then: {tools: ["crm.insert_*"]}
    within: 10m
    sameResource: false
    scope: tenant
`,
);

type Enforcer = Awaited<ReturnType<typeof startTestEnforcer>>;

describe('fleet state through the decisions topic', () => {
  const { signer: cpSigner, trusted } = controlPlaneKey();
  const signers: Record<string, Signer> = { 'fleet-a': signerFromSeed(generateSigningKey()), 'fleet-b': signerFromSeed(generateSigningKey()), 'fleet-p': signerFromSeed(generateSigningKey()) };
  const snapshotDir = mkdtempSync(join(tmpdir(), 'thoth-fleet-'));
  let cp: TestControlPlane;
  let decisions: string;
  let receiptKeys: string;
  let shortTopic: string;
  let producer: Producer;
  const running: Enforcer[] = [];

  const start = async (id: string, topic = decisions): Promise<Enforcer> => {
    const e = await startTestEnforcer({
      enforcerId: id,
      trustedKeys: trusted,
      signer: signers[id] ?? signerFromSeed(generateSigningKey()),
      controlPlane: { address: cp.address, token: `thoth_et_${id}`, heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
      decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 10_000, lingerMs: 1 }),
      fleet: { connection: testKafkaConnection(), decisionsTopic: topic, receiptKeysTopic: receiptKeys, lagRefreshMs: 100 },
      snapshotDir: join(snapshotDir, id),
    });
    running.push(e);
    return e;
  };

  /** The contract: lag 0 against end offsets read after every peer's log was empty = every decision acknowledged before is folded. */
  const caughtUp = async (...enforcers: Enforcer[]) => {
    await waitFor('decision logs drained', () => running.every((e) => e.status().decisionLog.buffered === 0));
    const drained = Date.now();
    await waitFor('fleet folds caught up', () => enforcers.every((e) => e.status().fleet.lagMessages === 0 && (e.status().fleet.endOffsetsAt ?? 0) > drained));
  };

  const client = (e: Enforcer, agent: string, tenantId = TENANT) => agentClient(e.address, { tenantId, agentId: agent, token: AGENTS.find((a) => a.id === agent)!.token });
  const call = async (e: Enforcer, agent: string, tool: string, args: object = {}, tenantId = TENANT) => {
    const c = client(e, agent, tenantId);
    try {
      return await c.decide({ tool, argumentsJson: new TextEncoder().encode(JSON.stringify(args)) });
    } finally {
      c.close();
    }
  };

  /** A decision of tenant `tenantId` by the peer fleet-p (or unsigned), carrying `updates`, published as an enforcer would. */
  const peerEvent = (agentId: string, updates: Array<{ key: string; calls: number; records?: number }>, options: { tenantId?: string; decidedAt?: number; sign?: boolean } = {}): DecisionEvent => {
    const tenantId = options.tenantId ?? TENANT;
    const event = create(DecisionEventSchema, {
      decisionId: `d-${randomBytes(6).toString('hex')}`,
      requestId: `r-${randomBytes(6).toString('hex')}`,
      tenantId,
      agentId,
      tool: 'crm.read_contacts',
      effect: Effect.ALLOW,
      enforcerId: 'fleet-p',
      decidedAt: timestampFromMs(options.decidedAt ?? Date.now()),
      windowUpdates: updates.map((u) => create(WindowUpdateSchema, { key: u.key, windowMs: BigInt(TEN_MINUTES), calls: u.calls, records: BigInt(u.records ?? 0) })),
    });
    if (options.sign !== false) signDecisionEvents([event], signers['fleet-p']!);
    return event;
  };
  const publish = async (messages: Array<{ key: string; value: Uint8Array | Buffer }>) => {
    await producer.send({ topic: decisions, acks: -1, messages: messages.map((m) => ({ key: m.key, value: Buffer.from(m.value) })) });
  };
  const readKey = (tenantId: string, agent: string) => `L\u0000five-reads\u0000${tenantId}\u0000${agent}`;

  beforeAll(async () => {
    const suffix = randomBytes(3).toString('hex');
    [decisions, receiptKeys, shortTopic] = (await createTestTopics([
      { name: `fleet-decisions-${suffix}`, numPartitions: 3 },
      { name: `fleet-receipt-keys-${suffix}`, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { name: `fleet-short-${suffix}`, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '60000' }] },
    ])) as [string, string, string];
    producer = testKafka('thoth-test-fleet').producer();
    await producer.connect();
    // The directory, as the control plane publishes it: each process's receipt key, signed by its snapshot key.
    await producer.send({
      topic: receiptKeys,
      messages: Object.entries(signers).map(([id, s]) => {
        const record = signReceiptKeyEntry({ tenantId: TENANT, enforcerId: id, instanceId: id, keyId: s.keyId, publicKey: publicKeyBase64(s), announcedAt: new Date().toISOString(), status: 'active' }, cpSigner);
        return { key: record.key, value: record.value };
      }),
    });
    const tokens = Object.fromEntries(['fleet-a', 'fleet-b', 'fleet-c'].map((id) => [`thoth_et_${id}`, { enforcerId: id, tenantIds: [TENANT, OTHER] }]));
    cp = await startControlPlane({ signer: cpSigner, tokens });
    for (const tenantId of [TENANT, OTHER]) expect(cp.cache.setSnapshot(tenantId, tenantConfig({ tenantId, policy: POLICY, agents: AGENTS })).ok).toBe(true);
  });

  afterAll(async () => {
    await Promise.allSettled(running.map((e) => e.stop({ drainTimeoutMs: 2_000 })));
    await producer?.disconnect();
    await cp?.stop();
    rmSync(snapshotDir, { recursive: true, force: true });
  });

  it('enforces limits and sequences across enforcers, folds nothing hostile, and rebuilds after a restart', async () => {
    let a = await start('fleet-a');
    const b = await start('fleet-b');
    await waitFor('both ready', () => a.ready() && b.ready());
    expect(a.status().fleet.state).toBe('following');

    // A limit of 5 calls in 10 minutes, calls alternating: the 6th is denied on either.
    for (const [i, e] of [a, b, a, b, a].entries()) expect((await call(e, 'a1', 'crm.read_contacts')).effect, `call ${i + 1}`).toBe(Effect.ALLOW);
    await caughtUp(a, b);
    expect((await call(b, 'a1', 'crm.read_contacts')).effect).toBe(Effect.DENY);
    expect((await call(a, 'a1', 'crm.read_contacts')).effect).toBe(Effect.DENY);
    // A record budget of 10: 4 on each, then 4 more is over it (each alone would allow it).
    expect((await call(a, 'a2', 'crm.export_contacts', { ids: [1, 2, 3, 4] })).effect).toBe(Effect.ALLOW);
    expect((await call(b, 'a2', 'crm.export_contacts', { ids: [5, 6, 7, 8] })).effect).toBe(Effect.ALLOW);
    await caughtUp(a, b);
    expect((await call(a, 'a2', 'crm.export_contacts', { ids: [9, 10, 11, 12] })).effect).toBe(Effect.DENY);
    // A tenant-scoped sequence: a delete by a1 on A, then an insert by a2 on B is fabrication.
    expect((await call(a, 'a1', 'crm.delete_contacts')).effect).toBe(Effect.ALLOW);
    await caughtUp(b);
    const insert = await call(b, 'a2', 'crm.insert_contacts');
    expect(insert.effect).toBe(Effect.DENY);
    expect(insert.matchedRules.map((m) => m.ruleId)).toContain('fabrication');

    // Hostile input. a5 has 3 calls on A, then a peer's signed decision for it "from the future".
    for (let i = 0; i < 3; i++) expect((await call(a, 'a5', 'crm.read_contacts')).effect).toBe(Effect.ALLOW);
    const rejectedBefore = a.status().fleet.rejected;
    const tampered = peerEvent('a3', [{ key: readKey(TENANT, 'a3'), calls: 1 }]);
    tampered.windowUpdates[0]!.calls = 50;
    await publish([
      // No receipt: a3's window would be full.
      { key: `${TENANT}/a3`, value: toBinary(DecisionEventSchema, peerEvent('a3', [{ key: readKey(TENANT, 'a3'), calls: 50 }], { sign: false })) },
      // A signed receipt, the update changed after signing.
      { key: `${TENANT}/a3`, value: toBinary(DecisionEventSchema, tampered) },
      // Bytes that are no decision: the consumer goes on.
      { key: `${TENANT}/a3`, value: Buffer.from([0xff, 0xff, 0xff, 0x0a]) },
      // Signed, of TENANT, but moving OTHER's window of a4 (the enforcers serve OTHER too).
      { key: `${TENANT}/a4`, value: toBinary(DecisionEventSchema, peerEvent('a4', [{ key: readKey(OTHER, 'a4'), calls: 50 }])) },
      // Signed, decided an hour ahead: folded at the local time, so a5's 3 calls stay counted.
      { key: `${TENANT}/a5`, value: toBinary(DecisionEventSchema, peerEvent('a5', [{ key: readKey(TENANT, 'a5'), calls: 1 }], { decidedAt: Date.now() + 3_600_000 })) },
    ]);
    await caughtUp(a);
    // a3's window and OTHER's a4 window hold nothing of the 50 calls.
    expect((await call(a, 'a3', 'crm.read_contacts')).effect).toBe(Effect.ALLOW);
    expect((await call(a, 'a4', 'crm.read_contacts', {}, OTHER)).effect).toBe(Effect.ALLOW);
    // 3 own + 1 folded: the 5th allowed, the 6th denied (a future time would have cleared the window: both allowed).
    expect((await call(a, 'a5', 'crm.read_contacts')).effect).toBe(Effect.ALLOW);
    expect((await call(a, 'a5', 'crm.read_contacts')).effect).toBe(Effect.DENY);
    expect(a.status().fleet.rejected - rejectedBefore).toBe(4);
    const metrics = await a.metrics.registry.metrics();
    for (const code of ['receipt.missing', 'receipt.event_mismatch', 'FLEET_MALFORMED', 'FLEET_FOREIGN_KEY']) expect(metrics).toMatch(new RegExp(`thoth_enforcer_fleet_rejected_total\\{code="${code.replace('.', '\\.')}"\\} 1`));
    expect(metrics).toMatch(/thoth_enforcer_fleet_folded_total\{phase="follow"\} [1-9]/);
    expect(metrics).toMatch(/thoth_enforcer_fleet_propagation_seconds_count [1-9]/);

    // More than a fetch's worth (1 MiB a partition) of peer decisions on one partition: all folded.
    // (Seen failing before the consumer resolved its offsets: kafkajs fetched the same first MiB
    // again and again, and the fold never got past it.)
    const foldedBefore = a.status().fleet.folded;
    const bulk = Array.from({ length: 400 }, () => {
      const e = peerEvent('bulk', [{ key: readKey(TENANT, 'bulk'), calls: 1 }]);
      e.retainedArgumentsJson = new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(4_000) }));
      signDecisionEvents([e], signers['fleet-p']!);
      return { key: `${TENANT}/bulk`, value: toBinary(DecisionEventSchema, e) };
    });
    for (let i = 0; i < bulk.length; i += 100) await publish(bulk.slice(i, i + 100));
    await caughtUp(a);
    expect(a.status().fleet.folded - foldedBefore).toBe(400);

    // Paused on purpose (SIGUSR2 in the process): B reads nothing, its lag shows it, then it catches up.
    expect(b.fleet?.togglePause()).toBe('paused');
    expect(b.status().fleet.state).toBe('paused');
    expect((await call(a, 'a3', 'crm.read_contacts')).effect).toBe(Effect.ALLOW);
    await waitFor('B lagging', () => (b.status().fleet.lagMessages ?? 0) > 0);
    expect(b.fleet?.togglePause()).toBe('resumed');
    await caughtUp(b);
    expect(b.status().fleet).toMatchObject({ state: 'following', caughtUp: true });

    // Restart A (same id, same key, snapshot restored from disk): not ready until its windows are rebuilt.
    await caughtUp(b);
    await a.stop({ drainTimeoutMs: 5_000 });
    running.splice(running.indexOf(a), 1);
    a = await start('fleet-a');
    expect(a.status().notReady?.code).toBe('FLEET_REBUILDING');
    expect(a.status().fleet.state).toBe('rebuilding');
    await waitFor('A rebuilt', () => a.ready(), 30_000);
    expect(a.status().fleet.rebuilt).toBeGreaterThan(0);
    // a1's 5 calls (3 of them by A's previous process) and the denials since: over the limit at once.
    expect((await call(a, 'a1', 'crm.read_contacts')).effect).toBe(Effect.DENY);
    expect((await call(a, 'a2', 'crm.export_contacts', { ids: [13, 14, 15] })).effect).toBe(Effect.DENY);

    // A topic that keeps a minute of decisions cannot rebuild a 10-minute window.
    const c = await start('fleet-c', shortTopic);
    await waitFor('retention found short', () => c.status().notReady?.code === 'FLEET_RETENTION_SHORT');
    expect(c.ready()).toBe(false);
  });
});
