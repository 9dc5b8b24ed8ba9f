import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from '../../apps/control-plane/node_modules/pino/pino.js';
import { createControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { Effect } from '../../libs/contracts/src/index.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { recordOfEvent } from '../../apps/control-plane/src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey } from '../../apps/control-plane/src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../apps/control-plane/src/platform/database/tenant-database.js';
import { DecisionIngestion } from '../../apps/control-plane/src/modules/decisions/index.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane, testConfig } from '../../apps/control-plane/test/integration/support/control-plane.js';

// Issue 8, acceptance 4 for shadow reports and replays: tenant B reads nothing of tenant A's —
// reports (JSON, the HTML page, view links reused across tenants or forged), replays — through
// the API, and Postgres refuses it too (RLS as the app's login role). Also: roles, view-link
// expiry, and the precise errors of replay input.

const DAY = 86_400_000;
const T0 = Date.parse('2026-04-06T00:00:00.000Z');
const clock = new FixedClock(new Date(T0));
const WINDOW = { from: new Date(T0).toISOString(), to: new Date(T0 + 7 * DAY).toISOString() };
const POLICY = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: p, version: "1"}
defaults: {effect: allow}
rules:
  - id: no-crm-deletes
    match: {tools: ["crm.delete_*"]}
    effect: deny
`;

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let a: Awaited<ReturnType<typeof signUp>>;
let b: Awaited<ReturnType<typeof signUp>>;
const keys = { auditor: '', readOnly: '', author: '' };
let aReport: string;
let bReport: string;
let aReplay: string;
let aToken: string;
let bToken: string;

/** The problem code of a refused page. */
const codeOf = async (answer: Response): Promise<string> => ((await answer.json()) as { code: string }).code;

const page = (reportId: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${cp.url}/v1/shadow-reports/${reportId}/html${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`, { headers });

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url, {}, clock);
  a = await signUp(cp.url, 'Isolation A');
  b = await signUp(cp.url, 'Isolation B');
  for (const { tenantId } of [a, b]) await registerReceiptKey(new TenantDatabase(cp.database), tenantId);
  // Through the read model's own ingestion (what Kafka or the in-process log feeds).
  const ingestor = cp.app.get(DecisionIngestion).ingestor;
  const at = (i: number) => ({ seconds: BigInt((T0 + i * 3_600_000) / 1000), nanos: 0 });
  await ingestor.ingest([
    ...Array.from({ length: 6 }, (_, i) => ({
      decision: recordOfEvent(
        decisionEvent({
          tenantId: a.tenantId,
          decisionId: `a-${i}`,
          tool: i < 4 ? 'crm.read_contacts' : 'crm.delete_contact',
          resource: 'crm/a-secret',
          decidedAt: at(i),
          effect: Effect.ALLOW,
          // the fixture's rule no-crm-deletes would-denies the deletes; the reads match nothing
          ...(i < 4 ? { shadow: false, matchedRules: [] } : {}),
        }),
      ),
      from: 'test',
    })),
    { decision: recordOfEvent(decisionEvent({ tenantId: b.tenantId, decisionId: 'b-0', agentId: 'b-agent', tool: 'b.read', resource: 'b/thing', decidedAt: at(1), shadow: false, matchedRules: [] })), from: 'test' },
  ]);
  for (const [name, r] of [['auditor', 'auditor'], ['readOnly', 'read_only'], ['author', 'policy_author']] as const) {
    keys[name] = (await call(cp.url, 'POST', '/v1/api-keys', { key: a.key, body: { name, role: r } })).body.key;
  }
  aReport = (await call(cp.url, 'POST', '/v1/shadow-reports', { key: a.key, body: { window: WINDOW } })).body.id;
  bReport = (await call(cp.url, 'POST', '/v1/shadow-reports', { key: b.key, body: { window: WINDOW } })).body.id;
  aReplay = (await call(cp.url, 'POST', '/v1/policy/replays', { key: a.key, body: { source: POLICY, window: WINDOW } })).body.id;
  aToken = (await call(cp.url, 'POST', `/v1/shadow-reports/${aReport}/view-links`, { key: a.key })).body.token;
  bToken = (await call(cp.url, 'POST', `/v1/shadow-reports/${bReport}/view-links`, { key: b.key })).body.token;
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('shadow reports and replays through the API', () => {
  it("reports each tenant's own traffic only", async () => {
    const mine = await call(cp.url, 'GET', `/v1/shadow-reports/${aReport}`, { key: a.key });
    expect(mine.status).toBe(200);
    expect(mine.body.report.totals).toMatchObject({ calls: 6, allowed: 4, wouldDeny: 2 });
    expect(mine.body.report.wouldBlock.byRule.map((r: { ruleId: string; calls: number }) => [r.ruleId, r.calls])).toEqual([['no-crm-deletes', 2]]);
    const theirs = await call(cp.url, 'GET', `/v1/shadow-reports/${bReport}`, { key: b.key });
    expect(theirs.body.report.totals).toMatchObject({ calls: 1, agents: 1 });
    expect(JSON.stringify(theirs.body)).not.toContain('a-secret');
  });

  it("answers tenant B's key on tenant A's report and replay with 404, and lists only B's own", async () => {
    for (const path of [`/v1/shadow-reports/${aReport}`, `/v1/policy/replays/${aReplay}`]) {
      const answer = await call(cp.url, 'GET', path, { key: b.key });
      expect(answer.status, path).toBe(404);
      expect(JSON.stringify(answer.body)).not.toContain('a-secret');
    }
    expect((await call(cp.url, 'GET', `/v1/shadow-reports/${aReport}`, { key: b.key })).body.code).toBe('shadow_report.not_found');
    expect((await call(cp.url, 'GET', `/v1/policy/replays/${aReplay}`, { key: b.key })).body.code).toBe('policy_replay.not_found');
    expect((await call(cp.url, 'POST', `/v1/shadow-reports/${aReport}/view-links`, { key: b.key })).status).toBe(404);
    expect((await call(cp.url, 'GET', '/v1/shadow-reports', { key: b.key })).body.items.map((r: { id: string }) => r.id)).toEqual([bReport]);
    expect((await call(cp.url, 'GET', '/v1/shadow-reports/latest', { key: b.key })).body.id).toBe(bReport);
    expect((await call(cp.url, 'GET', '/v1/policy/replays', { key: b.key })).body.items).toEqual([]);
    expect((await call(cp.url, 'GET', '/v1/policy/replays', { key: a.key })).body.items.map((r: { id: string }) => r.id)).toEqual([aReplay]);
  });

  it("replays each tenant's own recorded traffic only", async () => {
    const theirs = await call(cp.url, 'POST', '/v1/policy/replays', { key: b.key, body: { source: POLICY.replace('crm.delete_*', '*'), window: WINDOW } });
    expect(theirs.status).toBe(201);
    expect(theirs.body.result.totals).toMatchObject({ recorded: 1, replayed: 1, changed: 1 });
    expect(theirs.body.result.changedDecisionIds).toEqual(['b-0']);
    expect(JSON.stringify(theirs.body)).not.toContain('a-secret');
    const mine = await call(cp.url, 'GET', `/v1/policy/replays/${aReplay}`, { key: a.key });
    expect(mine.body.result.totals).toMatchObject({ recorded: 6 });
    expect(JSON.stringify(mine.body)).not.toContain('b-0');
    expect((await call(cp.url, 'GET', `/v1/policy/replays/${theirs.body.id}`, { key: a.key })).status).toBe(404);
  });

  it('lets admins, auditors and read-only keys read; admins and policy authors generate', async () => {
    for (const key of [a.key, keys.auditor, keys.readOnly]) expect((await call(cp.url, 'GET', `/v1/shadow-reports/${aReport}`, { key })).status).toBe(200);
    const authorRead = await call(cp.url, 'GET', `/v1/shadow-reports/${aReport}`, { key: keys.author });
    expect([authorRead.status, authorRead.body.code]).toEqual([403, 'auth.forbidden_role']);
    expect((await call(cp.url, 'POST', '/v1/shadow-reports', { key: keys.author, body: { window: WINDOW } })).status).toBe(201);
    for (const key of [keys.auditor, keys.readOnly]) {
      const generate = await call(cp.url, 'POST', '/v1/shadow-reports', { key, body: {} });
      expect([generate.status, generate.body.code]).toEqual([403, 'auth.forbidden_role']);
      expect((await call(cp.url, 'POST', '/v1/policy/replays', { key, body: { source: POLICY } })).status).toBe(403);
    }
    expect((await call(cp.url, 'GET', `/v1/policy/replays/${aReplay}`, { key: keys.readOnly })).status).toBe(200);
  });
});

describe('the report page and its view links', () => {
  it("opens a tenant's report with its own link, as a locked-down HTML page", async () => {
    const answer = await page(aReport, aToken);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(answer.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; script-src 'sha256-[A-Za-z0-9+/]+=*'; connect-src 'self'; img-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'$/);
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const html = await answer.text();
    expect(html).toContain('data-testid="figure-calls"><dt>Calls</dt><dd>6</dd>');
    expect(html).toContain('a-secret');
  });

  it("never shows tenant A's report with tenant B's link, reused or forged", async () => {
    // B's genuine link, on A's report: it names another report.
    const reused = await page(aReport, bToken);
    expect(reused.status).toBe(403);
    const reusedBody = await reused.text();
    expect(JSON.parse(reusedBody).code).toBe('view_link.other_report');
    expect(reusedBody).not.toContain('a-secret');
    // B's link with A's tenant id put in: looked up under A, where no such link exists.
    const forged = bToken.replace(b.tenantId, a.tenantId);
    const forgedAnswer = await page(aReport, forged);
    expect([forgedAnswer.status, await codeOf(forgedAnswer)]).toEqual([401, 'view_link.invalid']);
    // A's link id with another secret.
    const tampered = aToken.slice(0, -4) + (aToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await codeOf(await page(aReport, tampered))).toBe('view_link.invalid');
    // A's link on B's report: forbidden, and B's report is not shown.
    const other = await page(bReport, aToken);
    expect([other.status, await codeOf(other)]).toEqual([403, 'view_link.other_report']);
  });

  it('wants a link, never an API key, and refuses malformed and expired links', async () => {
    expect(await codeOf(await page(aReport))).toBe('view_link.missing');
    const withKey = await page(aReport, undefined, { authorization: `Bearer ${a.key}` });
    expect([withKey.status, await codeOf(withKey)]).toEqual([401, 'view_link.missing']);
    expect(await codeOf(await page(aReport, 'thoth_vl.not-a-token'))).toBe('view_link.invalid');
    const short = (await call(cp.url, 'POST', `/v1/shadow-reports/${aReport}/view-links`, { key: keys.auditor, body: { expiresInSeconds: 60 } })).body;
    expect(short.expiresAt).toBe(new Date(clock.current.getTime() + 60_000).toISOString());
    expect((await page(aReport, short.token)).status).toBe(200);
    clock.current = new Date(clock.current.getTime() + 60_000);
    try {
      const expired = await page(aReport, short.token);
      expect([expired.status, await codeOf(expired)]).toEqual([401, 'view_link.expired']);
    } finally {
      clock.current = new Date(T0);
    }
    const tooLong = await call(cp.url, 'POST', `/v1/shadow-reports/${aReport}/view-links`, { key: a.key, body: { expiresInSeconds: 86_401 } });
    expect([tooLong.status, tooLong.body.code, tooLong.body.errors[0].path]).toEqual([400, 'request.invalid', '/expiresInSeconds']);
  });
});

describe('view links and logs', () => {
  it('never writes a view-link token to the request log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = await createControlPlane(testConfig(role.url, { logLevel: 'info' }), { clock, logger: pino({ level: 'info' }, sink) });
    try {
      const answer = await fetch(`${logged.url}/v1/shadow-reports/${aReport}/html?token=${encodeURIComponent(aToken)}`);
      expect(answer.status).toBe(200);
    } finally {
      await logged.close();
    }
    const requests = lines.filter((l) => l.includes('"incoming request"'));
    expect(requests.some((l) => l.includes(`/v1/shadow-reports/${aReport}/html?token=[redacted]"`))).toBe(true);
    const secret = aToken.split('.').at(-1)!;
    expect(lines.filter((l) => l.includes(secret))).toEqual([]);
  });
});

describe('replay input', () => {
  it('validates the candidate as publishing does, with line and column', async () => {
    const invalid = await call(cp.url, 'POST', '/v1/policy/replays', { key: a.key, body: { source: POLICY.replace('effect: deny', 'effect: maybe') } });
    expect([invalid.status, invalid.body.code]).toEqual([422, 'policy.invalid']);
    expect(invalid.body.errors[0]).toMatchObject({ code: 'schema.enum', path: '/rules/0/effect', line: 8, column: 13 });
    const unknown = await call(cp.url, 'POST', '/v1/policy/replays', { key: a.key, body: { source: POLICY, dryRun: true } });
    expect([unknown.status, unknown.body.code, unknown.body.errors[0].path]).toEqual([400, 'request.unknown_field', '/dryRun']);
  });

  it('refuses windows longer than 31 days or backwards', async () => {
    const long = await call(cp.url, 'POST', '/v1/policy/replays', { key: a.key, body: { source: POLICY, window: { from: WINDOW.from, to: new Date(T0 + 32 * DAY).toISOString() } } });
    expect([long.status, long.body.code, long.body.errors[0].path]).toEqual([422, 'shadow_report.window_too_long', '/window']);
    const report = await call(cp.url, 'POST', '/v1/shadow-reports', { key: a.key, body: { window: { from: WINDOW.to, to: WINDOW.from } } });
    expect([report.status, report.body.code, report.body.errors[0].path]).toEqual([400, 'request.invalid', '/window/to']);
  });
});

describe('tenant isolation in Postgres', () => {
  /** SQL as the app runs it: its login role, as thoth_app, in one transaction, with a tenant named or none. */
  async function asApp<T>(tenantId: string | null, work: (query: (text: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>) => Promise<T>): Promise<T> {
    return cp.database.sql.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE thoth_app');
      if (tenantId) await tx.query(`SELECT set_config('thoth.tenant_id', $1, true)`, [tenantId]);
      return work((text, params = []) => tx.query<Record<string, unknown>>(text, params));
    });
  }
  const count = async (query: (text: string) => Promise<Array<Record<string, unknown>>>, table: string) => Number((await query(`SELECT count(*)::int AS n FROM ${table}`))[0]!['n']);

  it("shows B's session none of A's reports, view links and replays, and A's all of them", async () => {
    await asApp(b.tenantId, async (query) => {
      expect((await query('SELECT report_id FROM shadow_reports')).map((r) => r['report_id'])).toEqual([bReport]);
      expect(await query('SELECT 1 FROM shadow_reports WHERE report_id = $1', [aReport])).toEqual([]);
      expect(await query('SELECT 1 FROM policy_replays WHERE replay_id = $1', [aReplay])).toEqual([]);
      expect(await query('SELECT 1 FROM shadow_report_view_links WHERE report_id = $1', [aReport])).toEqual([]);
    });
    await asApp(a.tenantId, async (query) => {
      expect(await count(query, 'policy_replays')).toBe(1);
      expect((await query('SELECT 1 FROM shadow_reports WHERE report_id = $1', [aReport])).length).toBe(1);
      expect(await count(query, 'shadow_report_view_links')).toBeGreaterThanOrEqual(2);
    });
    await asApp(null, async (query) => {
      for (const table of ['shadow_reports', 'policy_replays', 'shadow_report_view_links']) expect(await count(query, table), table).toBe(0);
    });
  });

  it("refuses B's session a write into A's tenant, and anyone an update or delete", async () => {
    await asApp(b.tenantId, async (query) => {
      await expect(
        query(
          `INSERT INTO shadow_reports (report_id, tenant_id, trigger, window_from, window_to, generated_at, generated_by, calls, blocked, schema_version, report)
           VALUES (gen_random_uuid(), $1, 'on_demand', now(), now(), now(), 'x', 0, 0, 1, '{}')`,
          [a.tenantId],
        ),
      ).rejects.toThrow(/row-level security/);
    });
    for (const statement of ['UPDATE shadow_reports SET calls = 0', 'DELETE FROM policy_replays', "UPDATE shadow_report_view_links SET expires_at = now() + interval '1 year'"]) {
      await expect(asApp(a.tenantId, (query) => query(statement)), statement).rejects.toThrow(/permission denied/);
    }
  });
});
