import { describe, expect, it } from 'vitest';
import { classifyAddress, parseDestinationUrl, resolveAllowed, type Resolver } from './destination-address.js';

const strict = { allowPrivateNetworks: false };
const lenient = { allowPrivateNetworks: true };
const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};
const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('destination addresses (SSRF)', () => {
  it('classifies metadata, link-local, multicast and reserved as forbidden; loopback and private as private', () => {
    for (const a of ['169.254.169.254', '169.254.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '100.100.100.200', 'fe80::1', 'fd00:ec2::254', '::', '::ffff:169.254.169.254']) {
      expect(classifyAddress(a), a).toBe('forbidden');
    }
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '::1', 'fd12::1', '::ffff:127.0.0.1']) {
      expect(classifyAddress(a), a).toBe('private');
    }
    expect(classifyAddress('203.0.113.9')).toBe('public');
    expect(classifyAddress('2001:db8::1')).toBe('public');
  });

  it('wants https, no credentials, and judges literal hosts at once', () => {
    expect(parseDestinationUrl('https://hooks.slack.com/services/T0/B0/secret', strict).target).toBe('https://hooks.slack.com/…');
    expect(code(() => parseDestinationUrl('not a url', strict))).toBe('alert_destination.invalid_url');
    expect(code(() => parseDestinationUrl('ftp://example.com/x', strict))).toBe('alert_destination.invalid_url');
    expect(code(() => parseDestinationUrl('https://user:pw@example.com/x', strict))).toBe('alert_destination.invalid_url');
    expect(code(() => parseDestinationUrl('http://example.com/x', strict))).toBe('alert_destination.insecure_url');
    expect(code(() => parseDestinationUrl('https://127.0.0.1/x', strict))).toBe('alert_destination.private_address');
    expect(code(() => parseDestinationUrl('https://2130706433/x', strict))).toBe('alert_destination.private_address');
    expect(code(() => parseDestinationUrl('http://169.254.169.254/latest/meta-data', lenient))).toBe('alert_destination.forbidden_address');
    expect(code(() => parseDestinationUrl('http://[::ffff:169.254.169.254]/', lenient))).toBe('alert_destination.forbidden_address');
    expect(code(() => parseDestinationUrl('http://metadata.google.internal/computeMetadata/v1/', lenient))).toBe('alert_destination.forbidden_address');
    expect(parseDestinationUrl('http://127.0.0.1:8080/hook', lenient).target).toBe('http://127.0.0.1:8080/…');
  });

  it('checks every address a name resolves to (one bad one refuses it)', async () => {
    await expect(resolveAllowed('soc.example', strict, resolvesTo('203.0.113.9'))).resolves.toHaveLength(1);
    await expect(resolveAllowed('soc.example', strict, resolvesTo('203.0.113.9', '10.0.0.5'))).rejects.toMatchObject({ code: 'alert_destination.private_address' });
    await expect(resolveAllowed('soc.example', lenient, resolvesTo('169.254.169.254'))).rejects.toMatchObject({ code: 'alert_destination.forbidden_address' });
    await expect(
      resolveAllowed('nowhere.example', strict, async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      }),
    ).rejects.toMatchObject({ code: 'alert_destination.unresolvable_host' });
  });
});
