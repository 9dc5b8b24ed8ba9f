import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { resolveAllowed } from '../../apps/control-plane/src/modules/alerts/delivery/destination-address.js';
import { alertsConfig } from '../../apps/control-plane/test/integration/alerts.support.js';
import { call, createAppLoginRole, signUp, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';

// docs/security.md, "IPv4 inside IPv6 addresses of alert destinations": an IPv6 address that carries
// an IPv4 one to the network (NAT64, 6to4, IPv4-mapped or -compatible) is judged by that IPv4
// address too, when a destination is created and on every delivery.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let admin: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  // As production judges addresses: https, public addresses only; the worker stays off.
  cp = await startControlPlane(role.url, { alerts: alertsConfig({ allowPrivateNetworks: false, worker: false }) });
  ({ key: admin } = await signUp(cp.url, 'SSRF Inc'));
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

const create = (name: string, url: string) => call(cp.url, 'POST', '/v1/alert-destinations', { key: admin, body: { kind: 'webhook', name, url } });

describe('an alert destination smuggles an internal IPv4 address inside an IPv6 one', () => {
  it.each([
    ['nat64 metadata', 'https://[64:ff9b::a9fe:a9fe]/latest/meta-data/', 'alert_destination.forbidden_address'],
    ['nat64 dotted metadata', 'https://[64:ff9b::169.254.169.254]/', 'alert_destination.forbidden_address'],
    ['nat64 local-use metadata', 'https://[64:ff9b:1::a9fe:a9fe]/', 'alert_destination.forbidden_address'],
    ['nat64 local-use /48 metadata', 'https://[64:ff9b:1:a9fe:a9:fe00::]/', 'alert_destination.forbidden_address'],
    ['6to4 metadata', 'https://[2002:a9fe:a9fe::1]/', 'alert_destination.forbidden_address'],
    ['ipv4-compatible metadata', 'https://[::a9fe:a9fe]/', 'alert_destination.forbidden_address'],
    ['ipv4-mapped metadata', 'https://[::ffff:a9fe:a9fe]/', 'alert_destination.forbidden_address'],
    ['nat64 loopback', 'https://[64:ff9b::7f00:1]/hook', 'alert_destination.private_address'],
    ['6to4 loopback', 'https://[2002:7f00:1::]/hook', 'alert_destination.private_address'],
    ['6to4 private', 'https://[2002:a00:1::1]/hook', 'alert_destination.private_address'],
  ])('is refused at creation: %s', async (name, url, code) => {
    const answer = await create(name, url);
    expect([answer.status, answer.body.code, answer.body.type]).toEqual([422, code, `urn:thoth:problem:${code}`]);
  });

  it('is refused at delivery, when a name is re-pointed at a NAT64 or 6to4 address', async () => {
    const policy = { allowPrivateNetworks: false };
    for (const address of ['64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::', '64:ff9b::a00:1']) {
      await expect(resolveAllowed('hooks.example.com', policy, async () => [{ address, family: 6 }]), address).rejects.toMatchObject({
        code: expect.stringMatching(/^alert_destination\.(forbidden|private)_address$/),
      });
    }
  });

  it('a public address, NAT64 or 6to4 of a public IPv4 address included, is still accepted', async () => {
    for (const [name, url] of [
      ['public v4', 'https://203.0.113.10/hook'],
      ['nat64 public', 'https://[64:ff9b::cb00:710a]/hook'],
      ['6to4 public', 'https://[2002:cb00:710a::1]/hook'],
      ['public v6', 'https://[2001:db8::1]/hook'],
    ]) {
      const answer = await create(name!, url!);
      expect(answer.status, url).toBe(201);
    }
  });
});
