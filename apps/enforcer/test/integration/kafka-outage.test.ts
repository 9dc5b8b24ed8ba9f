// The decision log when Kafka goes away: decisions keep being answered, events wait in the
// bounded buffer, and after the broker is back every one of them is delivered — counted
// produced vs consumed by decision id: none missing, none duplicated. The outage uses a
// private broker (its own ports and state directory) so other tests' broker stays up.
import { Effect, RiskTier } from '@thoth/contracts';
import { kafkaClientConfig } from '@thoth/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaDecisionLog } from '../../src/emit/kafka-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../src/enforcer.js';
import { generateSigningKey, signerFromSeed } from '@thoth/snapshot';
import { freePort, privateKafkaBroker, type PrivateKafkaBroker } from '@thoth/testing';
import { agentClient, consumeDecisions, install, trusted } from './fixtures.js';

const T = '7e0a0000-0000-4000-8000-00000000007a';
const AGENT = { id: 'agent-outage', token: 'thoth_at_outage' };

describe('Kafka outage', () => {
  let broker: PrivateKafkaBroker;
  let enforcer: RunningEnforcer;
  let log: KafkaDecisionLog;
  const topic = 'thoth.decisions.outage';

  beforeAll(async () => {
    broker = await privateKafkaBroker();
    await broker.start();
    const admin = new Kafka(kafkaClientConfig(broker.connection, { clientId: 'outage-admin', logLevel: logLevel.NOTHING })).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
    await admin.disconnect();
    log = new KafkaDecisionLog({ connection: broker.connection, topic, bufferSize: 100_000, maxRetryMs: 500 });
    enforcer = await startEnforcer({
      enforcerId: 'enforcer-outage',
      listen: { host: '127.0.0.1', port: 0 },
      trustedKeys: trusted,
      signer: signerFromSeed(generateSigningKey()),
      decisionLog: log,
    });
    install(enforcer.store, { tenantId: T }, [AGENT]);
  }, 240_000);

  afterAll(async () => {
    await enforcer?.stop({ drainTimeoutMs: 2_000 });
    await broker?.destroy();
  }, 120_000);

  it('keeps answering while the broker is down and delivers every buffered event after it restarts', async () => {
    const agent = agentClient(enforcer.address);
    const produced: string[] = [];
    const decideMany = async (n: number, tag: string) => {
      for (let i = 0; i < n; i++) {
        const answer = await agent.client.decide(
          { requestId: `${tag}-${i}`, tenantId: T, agentId: AGENT.id, tool: i % 3 === 0 ? 'db.drop_x' : 'crm.read' },
          { metadata: agent.auth(AGENT.token), deadlineMs: 5_000 },
        );
        expect(answer.effect).toBe(i % 3 === 0 ? Effect.DENY : Effect.ALLOW);
        produced.push(answer.decisionId);
      }
    };
    try {
      await decideMany(200, 'before');
      await until(() => log.stats().delivered === 200, 'the first 200 events delivered');

      await broker.stop();
      await decideMany(300, 'during'); // answered with no broker at all
      const during = log.stats();
      expect(during.delivered).toBeLessThan(500);
      expect(during.buffered).toBe(500 - during.delivered);
      expect(during.dropped).toBe(0);

      await broker.start();
      await decideMany(100, 'after');
      await until(() => log.stats().delivered === 600 && log.stats().buffered === 0, 'every event delivered after the restart', 120_000);

      const kafka = new Kafka(kafkaClientConfig(broker.connection, { clientId: 'outage-consumer', logLevel: logLevel.NOTHING }));
      const { events } = await consumeDecisions(kafka, topic, (e) => new Set(e.map((x) => x.decisionId)).size >= 600, 60_000);
      const consumed = new Map<string, number>();
      for (const e of events) consumed.set(e.decisionId, (consumed.get(e.decisionId) ?? 0) + 1);
      const missing = produced.filter((id) => !consumed.has(id));
      const duplicated = [...consumed.values()].filter((n) => n > 1).length;
      console.log(`[kafka outage] produced ${produced.length}, consumed ${events.length} (${consumed.size} distinct), missing ${missing.length}, duplicated ${duplicated}; failed attempts ${log.stats().failedAttempts}`);
      expect(produced.length).toBe(600);
      expect(missing).toEqual([]);
      expect(duplicated).toBe(0);
      expect(consumed.size).toBe(600);
    } finally {
      agent.close();
    }
  }, 300_000);
});

describe('decision buffer overflow', () => {
  it('keeps answering reads, and counts every event it could not keep', async () => {
    // Nothing listens on the broker's port: every event stays buffered until the buffer is full.
    const log = new KafkaDecisionLog({ connection: { brokers: [`127.0.0.1:${await freePort()}`] }, topic: 'nowhere', bufferSize: 50, maxRetryMs: 200 });
    const enforcer = await startEnforcer({
      enforcerId: 'enforcer-overflow',
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      trustedKeys: trusted,
      signer: signerFromSeed(generateSigningKey()),
      decisionLog: log,
    });
    install(enforcer.store, { tenantId: T }, [AGENT]);
    const agent = agentClient(enforcer.address);
    try {
      for (let i = 0; i < 80; i++) {
        // Reads: a write whose event cannot be kept is denied (test/security/decision-log-full.test.ts).
        const answer = await agent.client.decide({ tenantId: T, agentId: AGENT.id, tool: 'crm.read', riskTier: RiskTier.READ }, { metadata: agent.auth(AGENT.token), deadlineMs: 5_000 });
        expect(answer.effect).toBe(Effect.ALLOW);
      }
      expect(log.stats()).toMatchObject({ buffered: 50, dropped: 30, delivered: 0 });
      const metrics = await (await fetch(`${enforcer.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/thoth_enforcer_decision_log_dropped_total 30\b/);
      expect(metrics).toMatch(/thoth_enforcer_decision_log_buffer_depth 50\b/);
    } finally {
      agent.close();
      await enforcer.stop({ drainTimeoutMs: 300 });
    }
    expect(log.stats()).toMatchObject({ buffered: 50, dropped: 30 });
  });
});

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
