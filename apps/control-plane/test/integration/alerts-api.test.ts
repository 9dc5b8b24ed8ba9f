import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { alertsConfig, decisions, ingest, ownDatabase } from './alerts.support.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { queryAsTenant } from './support/contexts.js';

// /v1/alert-destinations and /v1/alerts: roles, address rules (as production has them: https,
// public addresses only), tenants kept apart, and secrets that are shown once and stored sealed.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let database: Awaited<ReturnType<typeof ownDatabase>>;
let cp: ControlPlane;
let a: { tenantId: string; key: string };
let b: { tenantId: string; key: string };
let readOnly: string;

// The worker stays off (the test drives it) and addresses are judged as in production.
const alerts = alertsConfig({ allowPrivateNetworks: false, worker: false });
// A public literal address (TEST-NET-3): no DNS needed, never contacted while the worker is off.
const WEBHOOK_URL = 'https://203.0.113.10/hooks/thoth?token=url-token-do-not-show';
const SLACK_URL = 'https://203.0.113.11/services/T000/B000/slack-path-secret';

beforeAll(async () => {
  role = await createAppLoginRole();
  database = await ownDatabase(role.url);
  cp = await startControlPlane(database.url, { alerts });
  a = await signUp(cp.url, 'Alerts A');
  b = await signUp(cp.url, 'Alerts B');
  readOnly = (await call(cp.url, 'POST', '/v1/api-keys', { key: a.key, body: { name: 'ro', role: 'read_only' } })).body.key;
});
afterAll(async () => {
  await cp?.close();
  await database?.drop();
  await role?.drop();
});

const create = (body: Record<string, unknown>, key = a.key) => call(cp.url, 'POST', '/v1/alert-destinations', { key, body });

describe('/v1/alert-destinations', () => {
  it('creates a webhook destination (admin only) and shows its signing secret this once', async () => {
    const created = await create({ kind: 'webhook', name: 'soc', url: WEBHOOK_URL });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.body.destination).toMatchObject({
      name: 'soc',
      kind: 'webhook',
      target: 'https://203.0.113.10/…',
      syslog: null,
      signing: { algorithm: 'hmac-sha256', rotatedAt: null, previousSecretValidUntil: null },
      status: 'active',
      version: 1,
    });
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe(`/v1/alert-destinations/${created.body.destination.id}`);
    expect(JSON.stringify(created.body)).not.toContain('url-token-do-not-show');
    expect((await create({ kind: 'webhook', name: 'ro', url: WEBHOOK_URL }, readOnly)).status).toBe(403);
    const listed = await call(cp.url, 'GET', '/v1/alert-destinations', { key: readOnly });
    expect(listed.body.items.map((d: { name: string }) => d.name)).toEqual(['soc']);
  });

  it('refuses bad input with precise codes: insecure, private, link-local and metadata addresses included', async () => {
    const cases: Array<[Record<string, unknown>, number, string, string?]> = [
      [{ kind: 'webhook', name: 'plain', url: 'http://203.0.113.10/hook' }, 422, 'alert_destination.insecure_url', '/url'],
      [{ kind: 'webhook', name: 'loop', url: 'https://127.0.0.1:8443/hook' }, 422, 'alert_destination.private_address', '/url'],
      [{ kind: 'webhook', name: 'lan', url: 'https://[fd12::1]/hook' }, 422, 'alert_destination.private_address', '/url'],
      [{ kind: 'webhook', name: 'imds', url: 'https://169.254.169.254/latest/meta-data/' }, 422, 'alert_destination.forbidden_address', '/url'],
      [{ kind: 'slack', name: 'gcp', url: 'https://metadata.google.internal/computeMetadata/v1/' }, 422, 'alert_destination.forbidden_address', '/url'],
      [{ kind: 'webhook', name: 'junk', url: 'not a url' }, 422, 'alert_destination.invalid_url', '/url'],
      [{ kind: 'webhook', name: 'creds', url: 'https://user:pw@203.0.113.10/hook' }, 422, 'alert_destination.invalid_url', '/url'],
      [{ kind: 'syslog', name: 'local', host: 'localhost', port: 514 }, 422, 'alert_destination.private_address', '/host'],
      [{ kind: 'syslog', name: 'link', host: 'fe80::1', port: 514, transport: 'udp' }, 422, 'alert_destination.forbidden_address', '/host'],
      [{ kind: 'syslog', name: 'port', host: '203.0.113.12', port: 0 }, 422, 'alert_destination.invalid_field', '/port'],
      [{ kind: 'syslog', name: 'facility', host: '203.0.113.12', port: 514, facility: 24 }, 422, 'alert_destination.invalid_field', '/facility'],
      [{ kind: 'webhook', name: '', url: WEBHOOK_URL }, 422, 'alert_destination.invalid_field', '/name'],
      [{ kind: 'webhook', name: 'soc', url: WEBHOOK_URL }, 409, 'alert_destination.name_taken', '/name'],
      [{ kind: 'webhook', name: 'x', url: WEBHOOK_URL, secret: 'mine' }, 400, 'request.unknown_field', '/secret'],
      [{ kind: 'pager', name: 'x' }, 400, 'request.invalid'],
    ];
    for (const [body, status, code, path] of cases) {
      const answer = await create(body);
      expect([answer.status, answer.body.code], JSON.stringify(body)).toEqual([status, code]);
      if (path) expect(answer.body.errors?.[0]?.path, JSON.stringify(body)).toBe(path);
    }
    const listed = await call(cp.url, 'GET', '/v1/alert-destinations', { key: a.key });
    expect(listed.body.items.map((d: { name: string }) => d.name)).toEqual(['soc']);
  });

  it('never shows a secret or URL again, and keeps them only sealed in the database', async () => {
    const webhook = await create({ kind: 'webhook', name: 'sealed', url: WEBHOOK_URL });
    const slack = await create({ kind: 'slack', name: 'sealed-slack', url: SLACK_URL });
    const rotated = await call(cp.url, 'POST', `/v1/alert-destinations/${webhook.body.destination.id}/rotate-secret`, {
      key: a.key,
      body: { keepPreviousForSeconds: 600 },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.destination.signing.previousSecretValidUntil).toEqual(expect.any(String));
    await ingest(cp, [decisions.block(a.tenantId, 'sealed-1')]);
    const secrets = [webhook.body.secret, rotated.body.secret, 'url-token-do-not-show', 'slack-path-secret'];

    const answers = await Promise.all(
      [
        '/v1/alert-destinations',
        '/v1/alert-destinations?includeDeleted=true',
        `/v1/alert-destinations/${webhook.body.destination.id}`,
        `/v1/alert-destinations/${slack.body.destination.id}`,
        '/v1/alerts',
        '/v1/audit',
      ].map((path) => call(cp.url, 'GET', path, { key: a.key })),
    );
    const alertIds = answers[4]!.body.items.map((x: { id: string }) => x.id);
    expect(alertIds.length).toBeGreaterThan(0);
    answers.push(...(await Promise.all(alertIds.map((id: string) => call(cp.url, 'GET', `/v1/alerts/${id}`, { key: a.key })))));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const secret of secrets) expect(JSON.stringify(answer.body)).not.toContain(secret);
    }
    const [dump] = await queryAsTenant<{ t: string }>(
      cp,
      a.tenantId,
      `SELECT (SELECT json_agg(e) FROM events e)::text || (SELECT json_agg(d) FROM alert_destinations d)::text || (SELECT json_agg(x) FROM alerts x)::text AS t`,
    );
    expect(dump?.t).toContain('v1.');
    for (const secret of secrets) expect(dump?.t).not.toContain(secret);
  });

  it('keeps tenants apart: B neither sees nor touches A’s destinations and alerts', async () => {
    const destination = (await create({ kind: 'webhook', name: 'a-only', url: WEBHOOK_URL })).body.destination;
    await ingest(cp, [decisions.block(a.tenantId, 'a-private-1')]);
    const alert = (await call(cp.url, 'GET', '/v1/alerts?limit=500', { key: a.key })).body.items.find((x: { decisionId: string }) => x.decisionId === 'a-private-1');
    expect(alert).toBeDefined();

    const asB = (method: string, path: string, body?: unknown) => call(cp.url, method, path, { key: b.key, ...(body === undefined ? {} : { body }) });
    expect((await asB('GET', '/v1/alert-destinations')).body.items).toEqual([]);
    expect((await asB('GET', '/v1/alerts')).body.items).toEqual([]);
    for (const [method, path, code] of [
      ['GET', `/v1/alert-destinations/${destination.id}`, 'alert_destination.not_found'],
      ['DELETE', `/v1/alert-destinations/${destination.id}`, 'alert_destination.not_found'],
      ['POST', `/v1/alert-destinations/${destination.id}/rotate-secret`, 'alert_destination.not_found'],
      ['GET', `/v1/alerts/${alert.id}`, 'alert.not_found'],
      ['POST', `/v1/alerts/${alert.id}/redeliver`, 'alert.not_found'],
    ] as const) {
      const answer = await asB(method, path);
      expect([answer.status, answer.body.code], `${method} ${path}`).toEqual([404, code]);
    }
    // Still A's, untouched; and Postgres itself shows B none of A's rows.
    expect((await call(cp.url, 'GET', `/v1/alert-destinations/${destination.id}`, { key: a.key })).body).toMatchObject({ status: 'active', version: 1 });
    const [seen] = await queryAsTenant<{ d: string; x: string }>(
      cp,
      b.tenantId,
      'SELECT (SELECT count(*) FROM alert_destinations) AS d, (SELECT count(*) FROM alerts) AS x',
    );
    expect(seen).toEqual({ d: '0', x: '0' });
  });

  it('deletes a destination (idempotent): it stops taking alerts and cannot be rotated', async () => {
    const { tenantId, key } = await signUp(cp.url, 'Alerts Delete');
    const destination = (await create({ kind: 'syslog', name: 'siem', host: '203.0.113.12', port: 6514 }, key)).body.destination;
    await ingest(cp, [decisions.block(tenantId, 'del-1')]);
    const [pending] = (await call(cp.url, 'GET', '/v1/alerts', { key })).body.items;
    expect(pending).toMatchObject({ status: 'pending', attempts: 0, decisionId: 'del-1', destinationId: destination.id });
    const redeliverPending = await call(cp.url, 'POST', `/v1/alerts/${pending.id}/redeliver`, { key });
    expect([redeliverPending.status, redeliverPending.body.code]).toEqual([409, 'alert.not_dead_lettered']);

    const stale = await call(cp.url, 'DELETE', `/v1/alert-destinations/${destination.id}`, { key, headers: { 'if-match': '"7"' } });
    expect([stale.status, stale.body.code]).toEqual([409, 'concurrency.conflict']);
    expect((await call(cp.url, 'DELETE', `/v1/alert-destinations/${destination.id}`, { key, headers: { 'if-match': '"1"' } })).status).toBe(204);
    expect((await call(cp.url, 'DELETE', `/v1/alert-destinations/${destination.id}`, { key })).status).toBe(204);
    expect((await call(cp.url, 'GET', `/v1/alert-destinations/${destination.id}`, { key })).body).toMatchObject({ status: 'deleted', deletedAt: expect.any(String) });
    expect((await call(cp.url, 'GET', '/v1/alert-destinations', { key })).body.items).toEqual([]);
    expect((await call(cp.url, 'GET', '/v1/alert-destinations?includeDeleted=true', { key })).body.items).toHaveLength(1);
    const rotate = await call(cp.url, 'POST', `/v1/alert-destinations/${destination.id}/rotate-secret`, { key });
    expect([rotate.status, rotate.body.code]).toEqual([409, 'alert_destination.deleted']);
    const notSigned = await call(cp.url, 'POST', `/v1/alert-destinations/${(await create({ kind: 'slack', name: 's', url: SLACK_URL }, key)).body.destination.id}/rotate-secret`, { key });
    expect([notSigned.status, notSigned.body.code]).toEqual([409, 'alert_destination.not_signed']);
  });

  it('pages alerts with an opaque cursor and filters by status', async () => {
    const { tenantId, key } = await signUp(cp.url, 'Alerts Pages');
    await create({ kind: 'webhook', name: 'soc', url: WEBHOOK_URL }, key);
    await ingest(cp, [1, 2, 3, 4, 5].map((i) => decisions.block(tenantId, `page-${i}`)));
    const first = await call(cp.url, 'GET', '/v1/alerts?limit=2', { key });
    const second = await call(cp.url, 'GET', `/v1/alerts?limit=2&after=${first.body.next}`, { key });
    const third = await call(cp.url, 'GET', `/v1/alerts?limit=2&after=${second.body.next}`, { key });
    const ids = [...first.body.items, ...second.body.items, ...third.body.items].map((x: { id: string }) => x.id);
    expect(new Set(ids).size).toBe(5);
    expect(third.body.next).toBeNull();
    expect((await call(cp.url, 'GET', '/v1/alerts?status=dead_letter', { key })).body.items).toEqual([]);
    const bad = await call(cp.url, 'GET', '/v1/alerts?after=nonsense', { key });
    expect([bad.status, bad.body.code]).toEqual([400, 'request.invalid']);
  });
});
