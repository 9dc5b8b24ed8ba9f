import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppLoginRole, signUp, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { registerReceiptKey, signDecisionEvent } from '../../apps/control-plane/src/modules/decisions/ingest/test-fixtures.js';
import { DecisionIngestion } from '../../apps/control-plane/src/modules/decisions/index.js';
import { TenantDatabase } from '../../apps/control-plane/src/platform/database/tenant-database.js';
import { startLedger, type RunningLedger } from '../../apps/ledger/src/ledger.js';
import { decisionEvent, encode, type Producer } from '../../apps/ledger/test/support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, pg, quietLog, type LedgerTestContext } from '../../apps/ledger/test/support/ledger-harness.js';
import { databaseName, testAdminUrl, testDatabaseUrl, withDatabase, testKafkaConnection } from '../../libs/testing/src/index.js';

// Acceptance of item 1 of the red-team issue (docs/security.md, "Poison messages"): poison at
// 100 messages a second for a minute, on the same partition as two well-formed tenants'
// decisions, while the real ledger and the control plane's ingestion consume it.
const SECONDS = 60;
const POISON_PER_SECOND = 100;
const VALID_PER_SECOND = 20;

/** A protobuf DecisionEvent whose tool is the UTF-8 bytes ED A0 80: a lone surrogate (U+D800) as CESU-8, which is not UTF-8. */
function surrogateTool(tenantId: string): Buffer {
  const bytes = encode(decisionEvent(tenantId, 0, { tool: 'S~R', configVersion: 1n }));
  const at = bytes.indexOf(Buffer.from('S~R'));
  bytes.set([0xed, 0xa0, 0x80], at);
  return bytes;
}

/** The kinds of poison, in turn: what an attacker or a broken producer can put on the topic. */
const POISON: Array<(wellFormedTenant: string) => Buffer | null> = [
  // Signed refusals of `Decide(tenant: <any UUID>, tool: "…\u0000…")`, as enforcers published them before the fix.
  () => encode(decisionEvent(randomUUID(), 0, { tool: 'crm.read\u0000records', errorCode: 'UNKNOWN_TENANT' })),
  // The same in a well-formed tenant's own stream.
  (tenant) => encode(decisionEvent(tenant, 0, { tool: '\u0000', configVersion: 1n })),
  (tenant) => surrogateTool(tenant),
  (tenant) => encode(decisionEvent(tenant, 0, { tool: `crm.${'x'.repeat(10_000)}`, configVersion: 1n })),
  (tenant) => encode(decisionEvent(tenant, 0, { agentId: 'crm agent\u0000', configVersion: 1n })),
  () => encode(decisionEvent('acme', 0, { configVersion: 1n })),
  () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
  () => null,
];

describe('poison at 100/s for a minute on the decision stream', () => {
  let ctx: LedgerTestContext;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let cp: ControlPlane;
  let ledger: RunningLedger;
  let producer: Producer;
  let tenants: string[];

  beforeAll(async () => {
    ctx = await ledgerTestContext('poison_flood');
    // One partition: every message below shares it.
    await ctx.createTopic(1);
    role = await createAppLoginRole();
    cp = await startControlPlane(role.url, { decisions: { kafka: { connection: testKafkaConnection(), topic: ctx.topic, groupId: `cp-${ctx.group}`, sessionTimeoutMs: 10_000 } } });
    tenants = [(await signUp(cp.url, 'Flood A')).tenantId, (await signUp(cp.url, 'Flood B')).tenantId];
    for (const tenant of tenants) await registerReceiptKey(new TenantDatabase(cp.database), tenant, undefined, 'enforcer-1');
    await ctx.trust(tenants);
    ledger = await startLedger(ctx.config(), quietLog, {}, { api: false });
    producer = await orderedProducer('security-flood-producer');
  });

  afterAll(async () => {
    await producer?.disconnect();
    await ledger?.stop();
    await cp?.close();
    await role?.drop();
    await ctx?.cleanup();
  });

  it('the ledger and the read model keep folding other tenants\' decisions: none missing, none twice, the poison counted', async () => {
    const valid: string[] = [];
    const quoted: string[] = [];
    let poison = 0;
    let sent = 0;
    const started = Date.now();
    for (let second = 0; second < SECONDS; second++) {
      const messages: Array<{ key: string; value: Buffer | null }> = [];
      for (let i = 0; i < POISON_PER_SECOND; i++) {
        const tenant = tenants[i % 2]!;
        messages.push({ key: 'flood', value: POISON[(second * POISON_PER_SECOND + i) % POISON.length]!(tenant) });
        poison++;
        if (i % (POISON_PER_SECOND / VALID_PER_SECOND) === 0) {
          // Every 10th well-formed decision quotes a NUL in a rule's reason (free text): stored sanitised, not dropped.
          const event = decisionEvent(tenant, valid.length, { configVersion: 1n });
          if (valid.length % 10 === 0) {
            event.matchedRules = [{ ...decisionEvent(tenant, 0).matchedRules[0]!, ruleId: 'quote', reason: 'asked for "crm\u0000"' }];
            quoted.push(event.decisionId);
          }
          valid.push(event.decisionId);
          messages.push({ key: 'flood', value: encode(signDecisionEvent(event)) });
        }
      }
      await producer.send({ topic: ctx.topic, acks: -1, messages });
      sent += messages.length;
      // Pacing only: the next second's messages leave at the next second.
      const wait = started + (second + 1) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const produced = Date.now();

    await eventually(async () => (await count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group])) === sent, 'the ledger folded the whole partition', 120_000);
    const ledgerDone = Date.now();
    const ingestion = cp.app.get(DecisionIngestion);
    const seen = () => {
      const t = ingestion.totals();
      return t.inserted + t.duplicates + t.poison + t.unknownTenant + t.unattributed;
    };
    await eventually(async () => seen() >= sent, 'the read model ingested the whole partition', 120_000);
    const readModelDone = Date.now();

    // Ledger: every well-formed decision exactly once, every poison message quarantined alone with its bytes.
    const entries = await ctx.owner.sql.query<{ decision_id: string }>('SELECT decision_id FROM ledger_entries WHERE tenant_id = ANY($1::uuid[])', [tenants]);
    expect(entries).toHaveLength(valid.length);
    expect(new Set(entries.map((e) => e.decision_id))).toEqual(new Set(valid));
    expect(await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries')).toBe(valid.length);
    const quarantined = await ctx.owner.sql.query<{ reason_code: string; n: string }>('SELECT reason_code, count(*) AS n FROM ledger_quarantine WHERE topic = $1 GROUP BY reason_code ORDER BY reason_code', [ctx.topic]);
    expect(quarantined.reduce((n, q) => n + Number(q.n), 0)).toBe(poison);

    // Read model: the same decisions, once; the poison counted.
    expect(ingestion.totals()).toEqual({ inserted: valid.length, duplicates: 0, poison, unknownTenant: 0, unattributed: 0, quarantined: {} });
    const admin = new pg.Client({ connectionString: withDatabase(testAdminUrl(), databaseName(testDatabaseUrl())) });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ decision_id: string }>('SELECT decision_id FROM decision_records WHERE tenant_id = ANY($1::uuid[])', [tenants]);
      expect(rows).toHaveLength(valid.length);
      expect(new Set(rows.map((r) => r.decision_id))).toEqual(new Set(valid));
      const sanitised = await admin.query<{ decision_id: string; reason: string }>(
        "SELECT decision_id, matched_rules->0->>'reason' AS reason FROM decision_records WHERE tenant_id = ANY($1::uuid[]) AND matched_rules->0->>'ruleId' = 'quote'",
        [tenants],
      );
      expect(new Set(sanitised.rows.map((r) => r.decision_id))).toEqual(new Set(quoted));
      expect(new Set(sanitised.rows.map((r) => r.reason))).toEqual(new Set(['asked for "crm\uFFFD"']));
    } finally {
      await admin.end();
    }

    console.info(
      `poison flood: ${sent} messages in ${((produced - started) / 1000).toFixed(1)} s (${poison} poison, ${valid.length} valid of ${tenants.length} tenants, ${quoted.length} of them quoting a NUL in a rule reason); ` +
        `ledger folded all ${((ledgerDone - produced) / 1000).toFixed(1)} s after the last send, quarantined ${JSON.stringify(Object.fromEntries(quarantined.map((q) => [q.reason_code, Number(q.n)])))}; ` +
        `read model ${((readModelDone - produced) / 1000).toFixed(1)} s after, ${JSON.stringify(ingestion.totals())}`,
    );
  });
});
