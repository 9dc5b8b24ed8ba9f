import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { verifyAlertSignature } from '../../src/modules/alerts/domain/alert-signature.js';
import { TEST_ENFORCER_KEY } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { alertsConfig, decisions, ingest, ownDatabase, parseCef, WebhookReceiver } from './alerts.support.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

// The three formats against real listeners: Slack's incoming-webhook body, CEF in RFC 5424
// syslog over TCP (octet counting) and UDP, and the webhook signature under rotation and tampering.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let database: Awaited<ReturnType<typeof ownDatabase>>;
let cp: ControlPlane;
const webhook = new WebhookReceiver();
const slack = new WebhookReceiver();
let tcp: Server;
let udp: UdpSocket;
const tcpFrames: string[] = [];
const udpMessages: string[] = [];

beforeAll(async () => {
  role = await createAppLoginRole();
  database = await ownDatabase(role.url);
  cp = await startControlPlane(database.url, { alerts: alertsConfig() });
  // A syslog collector over TCP: RFC 6587 octet counting, several frames per connection allowed.
  tcp = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) break;
        const length = Number(buffer.subarray(0, space).toString('ascii'));
        if (buffer.length < space + 1 + length) break;
        tcpFrames.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  udp = createSocket('udp4');
  udp.on('message', (message) => udpMessages.push(message.toString('utf8')));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await cp?.close();
  await webhook.stop();
  await slack.stop();
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
  udp.close();
  await database?.drop();
  await role?.drop();
});

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (CEF:0\|.*)$/s;

describe('alert formats', () => {
  it('posts Slack-compatible messages: text and Block Kit blocks', async () => {
    const { tenantId, key } = await signUp(cp.url, 'Slack Format');
    const url = await slack.start();
    const created = await call(cp.url, 'POST', '/v1/alert-destinations', { key, body: { kind: 'slack', name: 'soc-channel', url: `${url}/services/T000/B000/XXXXSECRET` } });
    expect([created.status, created.body.secret, created.body.destination.target]).toEqual([201, null, `${url}/…`]);
    await ingest(cp, [decisions.driftFlag(tenantId, 'slack-drift-1')]);

    const request = await waitFor('the Slack message', () => slack.requests.find((r) => r.status === 200));
    expect(request.path).toBe('/services/T000/B000/XXXXSECRET');
    expect(request.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request.body);
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
    expect(body.text).toBe(':warning: Thoth: Credential drift: crm.delete_contact by crm-agent, allowed and flagged (medium)');
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Drift: crm.delete_contact', emoji: false } });
    expect(body.blocks[1].text.text).toContain('`sf-token-drift` (drift, flag): new location: 198.51.100.9, never seen in 30 days');
    expect(body.blocks[2].fields).toHaveLength(6);
    expect(body.blocks[3].text.text).toContain('"decisionId": "slack-drift-1"');
    expect(body.blocks[4].elements[0].text).toContain('<https://ledger.thoth.test/v1/decisions/slack-drift-1/evidence|Evidence bundle>');
  });

  it('sends CEF in RFC 5424 syslog over TCP and UDP, escaped so that hostile values stay in their field', async () => {
    const { tenantId, key } = await signUp(cp.url, 'CEF Format');
    const tcpPort = (tcp.address() as AddressInfo).port;
    const udpPort = udp.address().port;
    for (const [transport, port] of [['tcp', tcpPort], ['udp', udpPort]] as const) {
      const created = await call(cp.url, 'POST', '/v1/alert-destinations', { key, body: { kind: 'syslog', name: `siem-${transport}`, host: '127.0.0.1', port, transport } });
      expect([created.status, created.body.destination.target, created.body.destination.syslog]).toEqual([
        201,
        `${transport}://127.0.0.1:${port}`,
        { host: '127.0.0.1', port, transport, facility: 10 },
      ]);
    }
    const tool = 'crm.query|export\\all';
    const reason = 'resource=crm/exports is new\nseen \\ never; act=allow';
    await ingest(cp, [
      decisions.block(tenantId, 'cef-1', {
        tool,
        resource: 'crm/exports?a=b',
        matchedRules: [{ ruleId: 'no-exports', reason, severity: 4, kind: 1, effect: 'deny' }],
      }),
    ]);

    const [overTcp] = await waitFor('a syslog frame over TCP', () => (tcpFrames.length > 0 ? tcpFrames : undefined));
    const [overUdp] = await waitFor('a syslog datagram', () => (udpMessages.length > 0 ? udpMessages : undefined));
    // One alert per destination: the same message but for the alert id.
    const withoutId = (m: string) => m.replace(/ externalId=[0-9a-f-]{36} /, ' ');
    expect(withoutId(overUdp!)).toBe(withoutId(overTcp!));
    const [, pri, timestamp, , app, , msgid, sd, cef] = RFC5424.exec(overTcp!)!;
    // facility 10 (security/authorization) · 8 + severity 2 (critical).
    expect([pri, timestamp, app, msgid, sd]).toEqual(['82', '2026-11-02T09:30:00.000Z', 'thoth', 'block', '-']);
    const { header, extensions } = parseCef(cef!);
    expect(header).toEqual(['CEF:0', 'Thoth', 'Thoth', '1', 'block', `Blocked ${tool} by crm-agent`, '10']);
    expect(extensions).toMatchObject({
      rt: String(Date.UTC(2026, 10, 2, 9, 30)),
      cat: 'block',
      act: 'deny',
      suser: 'crm-agent',
      src: '10.20.0.7',
      deviceExternalId: 'edge-1',
      msg: `no-exports: ${reason}`,
      cs1Label: 'decisionId',
      cs1: 'cef-1',
      cs2: tool,
      cs3: 'crm/exports?a=b',
      cs4: 'b'.repeat(64),
      cs5: 'no-exports',
      cs6: 'https://ledger.thoth.test/v1/decisions/cef-1/evidence',
      cn1: '3',
      flexString2: 'eu-west-1',
      thothTenantId: tenantId,
    });
    expect(JSON.parse(extensions['flexString1']!)).toMatchObject({ decisionId: 'cef-1', keyId: TEST_ENFORCER_KEY.keyId });
    await waitFor('both syslog alerts delivered, the TCP one by the id it carried', async () => {
      const delivered = (await call(cp.url, 'GET', '/v1/alerts?status=delivered', { key })).body.items as Array<{ id: string }>;
      return delivered.length === 2 && delivered.some((a) => a.id === extensions['externalId']);
    });
  });

  it('signs with the current secret; after a rotation with grace both secrets verify, and a tampered body or a wrong secret never does', async () => {
    const { tenantId, key } = await signUp(cp.url, 'Signature Rotation');
    const url = await webhook.start();
    const created = await call(cp.url, 'POST', '/v1/alert-destinations', { key, body: { kind: 'webhook', name: 'soc', url: `${url}/hook` } });
    const first = created.body.secret as string;
    const id = created.body.destination.id as string;
    await ingest(cp, [decisions.block(tenantId, 'sig-1')]);
    const one = await waitFor('the first alert', () => webhook.requests[0]);
    const verify = (secret: string, body = one.body, request = one) =>
      verifyAlertSignature({ secret, body, timestamp: request.headers['thoth-timestamp'] as string, signature: request.headers['thoth-signature'] as string });
    expect(verify(first)).toEqual({ ok: true });
    expect(verify('whsec_wrong')).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(verify(first, one.body.replace('"sig-1"', '"sig-2"'))).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(verify(first, one.body.replace('"outcome":"deny"', '"outcome":"allow"'))).toEqual({ ok: false, reason: 'no_matching_signature' });

    const rotated = await call(cp.url, 'POST', `/v1/alert-destinations/${id}/rotate-secret`, { key, body: { keepPreviousForSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    const second = rotated.body.secret as string;
    expect(second).not.toBe(first);
    expect(rotated.body.destination.signing.previousSecretValidUntil).toEqual(expect.any(String));
    await ingest(cp, [decisions.block(tenantId, 'sig-2')]);
    const two = await waitFor('the second alert', () => webhook.requests[1]);
    expect(String(two.headers['thoth-signature']).split(', ')).toHaveLength(2);
    expect([verify(second, two.body, two), verify(first, two.body, two)]).toEqual([{ ok: true }, { ok: true }]);

    // Without grace the old secret stops at once.
    const third = (await call(cp.url, 'POST', `/v1/alert-destinations/${id}/rotate-secret`, { key })).body.secret as string;
    await ingest(cp, [decisions.block(tenantId, 'sig-3')]);
    const three = await waitFor('the third alert', () => webhook.requests[2]);
    expect(String(three.headers['thoth-signature']).split(', ')).toHaveLength(1);
    expect([verify(third, three.body, three).ok, verify(second, three.body, three).ok, verify(first, three.body, three).ok]).toEqual([true, false, false]);
  });
});
