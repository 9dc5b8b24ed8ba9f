import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Effect } from '@thoth/contracts';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { DecisionIngestor } from '../../src/modules/decisions/ingest/decision-ingestor.js';
import { decisionEvent, registerReceiptKey, testVerifier } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';

// GET /v1/decisions and /v1/decisions/{id}: filters, keyset pages, precise 400s, roles, and
// issue 8 acceptance 4 for decisions: tenant B's key reads nothing of tenant A's, through the
// API (404, not 403; filters leak nothing) and in Postgres (RLS as the app's login role).

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let a: Awaited<ReturnType<typeof signUp>>;
let b: Awaited<ReturnType<typeof signUp>>;
const keys = { auditor: '', readOnly: '', policyAuthor: '' };

const DAY = Date.UTC(2026, 10, 2);
const FP_1 = '1'.repeat(64);
const FP_2 = '2'.repeat(64);
const A_SECRET = 'resource-only-tenant-a-has';

/** Tenant A: 12 decisions an hour apart, over two agents, three tools, two credentials, all outcomes. */
const A_DECISIONS = Array.from({ length: 12 }, (_, i) => ({
  decisionId: `a-${String(i).padStart(2, '0')}`,
  agentId: i % 2 === 0 ? 'crm-agent' : 'billing-agent',
  tool: ['crm.read', 'crm.delete_contact', 'billing.refund'][i % 3]!,
  credentialFingerprint: i < 6 ? FP_1 : FP_2,
  resource: i === 11 ? A_SECRET : 'crm/contacts',
  effect: i % 4 === 3 ? Effect.DENY : Effect.ALLOW,
  shadow: i % 4 === 1,
  decidedAt: timestampFromMs(DAY + i * 3_600_000),
}));

const list = async (query: string, key = a.key) => call(cp.url, 'GET', `/v1/decisions${query}`, { key });
const idsOf = (body: { items: Array<{ decisionId: string }> }) => body.items.map((i) => i.decisionId);

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  a = await signUp(cp.url, 'Decisions A');
  b = await signUp(cp.url, 'Decisions B');
  const database = new TenantDatabase(cp.database);
  for (const { tenantId } of [a, b]) await registerReceiptKey(database, tenantId);
  const ingestor = new DecisionIngestor(database, [], testVerifier(database), pino({ level: 'silent' }));
  await ingestor.ingest([
    ...A_DECISIONS.map((d) => ({ decision: recordOfEvent(decisionEvent({ tenantId: a.tenantId, ...d })), from: 'test' })),
    { decision: recordOfEvent(decisionEvent({ tenantId: b.tenantId, decisionId: 'b-00', agentId: 'b-agent', decidedAt: timestampFromMs(DAY) })), from: 'test' },
  ]);
  for (const [name, r] of [['auditor', 'auditor'], ['readOnly', 'read_only'], ['policyAuthor', 'policy_author']] as const) {
    keys[name] = (await call(cp.url, 'POST', '/v1/api-keys', { key: a.key, body: { name, role: r } })).body.key;
  }
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('GET /v1/decisions', () => {
  it('lists newest first with every field of the record', async () => {
    const answer = await list('');
    expect(answer.status).toBe(200);
    expect(idsOf(answer.body)).toEqual(A_DECISIONS.map((d) => d.decisionId).reverse());
    expect(answer.body.next).toBeNull();
    expect(answer.body.items.at(-1)).toEqual({
      decisionId: 'a-00',
      requestId: 'req-a-00',
      agentId: 'crm-agent',
      tool: 'crm.read',
      resource: 'crm/contacts',
      credentialFingerprint: FP_1,
      source: { ip: '10.20.0.7', region: 'eu-west-1' },
      outcome: 'allow',
      shadow: false,
      matchedRules: [{ ruleId: 'no-crm-deletes', reason: 'CRM deletes need a human.', severity: 'high', kind: 'condition', effect: 'deny' }],
      policyVersion: 3,
      policyHash: 'c'.repeat(64),
      configVersion: 12,
      enforcerId: 'edge-1',
      argumentsDigest: 'a'.repeat(64),
      arguments: { id: 42, reason: 'cleanup' },
      errorCode: '',
      requestedAt: new Date(DAY).toISOString(),
      decidedAt: new Date(DAY).toISOString(),
      receipt: expect.objectContaining({ decisionId: 'a-00', tenantId: a.tenantId }),
    });
  });

  it('filters by agent, tool, credential, resource, outcome and time, combined', async () => {
    const expectIds = async (query: string, pick: (d: (typeof A_DECISIONS)[number], i: number) => boolean) => {
      const answer = await list(query);
      expect(answer.status, query).toBe(200);
      expect(idsOf(answer.body), query).toEqual(A_DECISIONS.filter(pick).map((d) => d.decisionId).reverse());
    };
    await expectIds('?agent=billing-agent', (d) => d.agentId === 'billing-agent');
    await expectIds('?tool=crm.delete_contact', (d) => d.tool === 'crm.delete_contact');
    await expectIds(`?credential=${FP_2}`, (d) => d.credentialFingerprint === FP_2);
    await expectIds(`?credential=sha256:${FP_2.toUpperCase()}`, (d) => d.credentialFingerprint === FP_2);
    await expectIds(`?resource=${A_SECRET}`, (d) => d.resource === A_SECRET);
    await expectIds('?outcome=deny', (d) => d.effect === Effect.DENY);
    await expectIds('?outcome=would_deny', (d) => d.effect === Effect.ALLOW && d.shadow);
    await expectIds('?outcome=allow', (d) => d.effect === Effect.ALLOW && !d.shadow);
    const from = new Date(DAY + 3 * 3_600_000).toISOString();
    const to = new Date(DAY + 8 * 3_600_000).toISOString();
    await expectIds(`?from=${from}&to=${to}`, (_, i) => i >= 3 && i < 8);
    await expectIds(`?from=${encodeURIComponent('2026-11-02T05:00:00+02:00')}`, (_, i) => i >= 3);
    await expectIds(`?agent=crm-agent&tool=crm.read&to=${to}`, (d, i) => d.agentId === 'crm-agent' && d.tool === 'crm.read' && i < 8);
  });

  it('pages with an opaque cursor: every decision once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer = await list(`?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.status).toBe(200);
      seen.push(...idsOf(answer.body));
      cursor = answer.body.next;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(A_DECISIONS.map((d) => d.decisionId).reverse());
    // A filtered walk continues under the same filters.
    const first = await list('?agent=crm-agent&limit=4');
    const second = await list(`?agent=crm-agent&limit=4&cursor=${first.body.next}`);
    expect([...idsOf(first.body), ...idsOf(second.body)]).toEqual(['a-10', 'a-08', 'a-06', 'a-04', 'a-02', 'a-00']);
    expect(second.body.next).toBeNull();
  });

  it('answers a bad query with a 400 naming the parameter', async () => {
    const problem = async (query: string) => {
      const answer = await list(query);
      expect(answer.status, query).toBe(400);
      return { code: answer.body.code, paths: answer.body.errors.map((e: { path: string }) => e.path) };
    };
    expect(await problem('?limit=1001')).toEqual({ code: 'request.invalid', paths: ['/limit'] });
    expect(await problem('?limit=0')).toEqual({ code: 'request.invalid', paths: ['/limit'] });
    expect(await problem('?cursor=bm90LWEtY3Vyc29y')).toEqual({ code: 'request.invalid', paths: ['/cursor'] });
    expect(await problem('?from=yesterday')).toEqual({ code: 'request.invalid', paths: ['/from'] });
    expect(await problem('?from=2026-11-03T00:00:00Z&to=2026-11-02T00:00:00Z')).toEqual({ code: 'request.invalid', paths: ['/to'] });
    expect(await problem('?outcome=blocked')).toEqual({ code: 'request.invalid', paths: ['/outcome'] });
    expect(await problem('?credential=abc')).toEqual({ code: 'request.invalid', paths: ['/credential'] });
    expect(await problem('?agentId=crm-agent')).toEqual({ code: 'request.unknown_field', paths: ['/agentId'] });
  });

  it('is open to admin, auditor and read_only keys, not to policy authors or strangers', async () => {
    expect((await list('', keys.auditor)).status).toBe(200);
    expect((await list('', keys.readOnly)).status).toBe(200);
    expect((await list('', keys.policyAuthor)).status).toBe(403);
    expect((await call(cp.url, 'GET', '/v1/decisions/a-00', { key: keys.readOnly })).status).toBe(200);
    expect((await call(cp.url, 'GET', '/v1/decisions')).status).toBe(401);
  });
});

describe('GET /v1/decisions/{decisionId}', () => {
  it('answers one decision, and decision.not_found for an id the tenant does not have', async () => {
    const answer = await call(cp.url, 'GET', '/v1/decisions/a-03', { key: a.key });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ decisionId: 'a-03', outcome: 'deny', agentId: 'billing-agent' });
    const missing = await call(cp.url, 'GET', '/v1/decisions/never-made', { key: a.key });
    expect([missing.status, missing.body.code]).toEqual([404, 'decision.not_found']);
  });
});

describe("tenant isolation of decisions (issue 8, acceptance 4)", () => {
  // Whole tokens only: a random UUID in the answer (its request id) may hold "…a-05…" by chance.
  const leaksOfA = (body: unknown) => {
    const text = JSON.stringify(body);
    const token = (s: string) => new RegExp(`(?<![\\w-])${s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![\\w-])`);
    return [a.tenantId, A_SECRET, 'crm-agent', 'billing-agent', ...A_DECISIONS.map((d) => d.decisionId)].filter((s) => token(s).test(text));
  };

  it("lists only tenant B's own decisions to tenant B, whatever the filters", async () => {
    const own = await list('', b.key);
    expect(idsOf(own.body)).toEqual(['b-00']);
    for (const query of ['?agent=crm-agent', `?credential=${FP_1}`, `?resource=${A_SECRET}`, '?tool=billing.refund', '?outcome=deny', `?from=${new Date(DAY + 3_600_000).toISOString()}`]) {
      const answer = await list(query, b.key);
      expect(answer.status, query).toBe(200);
      expect(answer.body.items, query).toEqual([]);
      expect(leaksOfA(answer.body), query).toEqual([]);
    }
    // A cursor from tenant A's pages is only a position: B still sees only B.
    const aPage = await list('?limit=1');
    const withACursor = await list(`?cursor=${aPage.body.next}`, b.key);
    expect(idsOf(withACursor.body)).toEqual(['b-00']);
  });

  it("answers tenant B's key on tenant A's decision ids with 404, exactly as for an id that never was", async () => {
    for (const id of A_DECISIONS.map((d) => d.decisionId)) {
      const answer = await call(cp.url, 'GET', `/v1/decisions/${id}`, { key: b.key });
      expect([answer.status, answer.body.code]).toEqual([404, 'decision.not_found']);
      // The problem may echo the id B itself sent (detail, instance); nothing else of A.
      expect(leaksOfA(JSON.parse(JSON.stringify(answer.body).replaceAll(id, '')))).toEqual([]);
    }
  });

  it("hides tenant A's rows from the app's login role under tenant B in Postgres, and refuses writes across tenants and updates", async () => {
    const client = new pg.Client({ connectionString: role.url });
    await client.connect();
    try {
      const count = async (sql: string, params: unknown[] = []) => Number((await client.query<{ n: string }>(sql, params)).rows[0]!.n);
      expect(await count('SELECT count(*)::text AS n FROM decision_records')).toBe(0);
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE thoth_app');
      await client.query(`SELECT set_config('thoth.tenant_id', $1, true)`, [b.tenantId]);
      expect(await count('SELECT count(*)::text AS n FROM decision_records WHERE tenant_id = $1', [a.tenantId])).toBe(0);
      expect(await count('SELECT count(*)::text AS n FROM decision_records')).toBe(1);
      await client.query('SAVEPOINT s');
      await expect(
        client.query(
          `INSERT INTO decision_records (tenant_id, decision_id, request_id, agent_id, tool, resource, credential_fingerprint, source_ip, source_region,
             outcome, shadow, matched_rules, policy_version, policy_hash, config_version, enforcer_id, arguments_digest, error_code, requested_at, decided_at, receipt)
           VALUES ($1, 'forged', '', 'x', 't', '', '', '', '', 'allow', false, '[]', 1, '', 1, 'e', '', '', now(), now(), '{}')`,
          [a.tenantId],
        ),
      ).rejects.toThrow(/row-level security/);
      await client.query('ROLLBACK TO SAVEPOINT s');
      // Insert-only, even for the tenant's own rows.
      await expect(client.query(`UPDATE decision_records SET outcome = 'allow' WHERE decision_id = 'b-00'`)).rejects.toThrow(/permission denied/);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });
});
