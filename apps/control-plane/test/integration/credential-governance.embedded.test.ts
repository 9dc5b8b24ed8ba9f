import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Effect } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { DecisionIngestion } from '../../src/modules/decisions/index.js';
import { call, FixedClock, signUp, startControlPlane } from './support/control-plane.js';

// The embedded default (PGlite): the inventory hook's upsert and baseline learning run there too.
const FP = createHash('sha256').update('crm-token').digest('hex');
const T0 = Date.UTC(2026, 4, 4, 8);
let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane('pglite:memory', { migrate: true }, new FixedClock(new Date(T0 + 86_400_000)));
});
afterAll(async () => {
  await cp?.close();
});

describe('credential governance on PGlite', () => {
  it('keeps the inventory from ingested decisions and learns baselines', async () => {
    const { key, tenantId } = await signUp(cp.url, 'Embedded Governance');
    await registerReceiptKey(new TenantDatabase(cp.database), tenantId);
    const agentId = (await call(cp.url, 'POST', '/v1/agents', { key, body: { name: 'crm-agent' } })).body.agent.id;
    await call(cp.url, 'POST', '/v1/agents', { key, body: { name: 'report-agent' } });
    expect((await call(cp.url, 'POST', '/v1/credentials', { key, body: { name: 'CRM', kind: 'oauth_token', provider: 'salesforce', token: 'crm-token', agentIds: [agentId] } })).status).toBe(201);
    const events = Array.from({ length: 60 }, (_, i) =>
      decisionEvent({
        tenantId,
        decisionId: `e-${i}`,
        agentId: i === 59 ? 'report-agent' : 'crm-agent',
        credentialFingerprint: FP,
        effect: Effect.ALLOW,
        shadow: false,
        matchedRules: [],
        source: { ip: '10.20.1.7', region: i % 2 ? 'eu-west-1' : 'us-east-1' },
        decidedAt: timestampFromMs(T0 + i * 30_000),
        requestedAt: timestampFromMs(T0 + i * 30_000),
      }),
    );
    const ingestor = cp.app.get(DecisionIngestion).ingestor;
    await ingestor.ingest(events.slice(0, 30).map((e) => ({ decision: recordOfEvent(e), from: 'test' })));
    await ingestor.ingest(events.slice(30).map((e) => ({ decision: recordOfEvent(e), from: 'test' })));
    const inventory = (await call(cp.url, 'GET', '/v1/credentials/inventory', { key })).body;
    expect(inventory.items).toEqual([
      expect.objectContaining({ fingerprint: FP, calls: 60, regions: ['eu-west-1', 'us-east-1'], findings: ['shared', 'unlinked_agent'] }),
    ]);
    expect(inventory.items[0].agents.map((a: { agent: string; calls: number; linked: boolean }) => [a.agent, a.calls, a.linked])).toEqual([
      ['crm-agent', 59, true],
      ['report-agent', 1, false],
    ]);
    const learned = await call(cp.url, 'POST', '/v1/baselines/learn', { key });
    expect(learned.body).toMatchObject({ decisionsRead: 60, subjects: 3, recorded: 3 });
    expect((await call(cp.url, 'GET', `/v1/baselines?subject=credential&id=${FP}`, { key })).body.items[0]).toMatchObject({ observations: 60, regions: ['eu-west-1', 'us-east-1'] });
  });
});
