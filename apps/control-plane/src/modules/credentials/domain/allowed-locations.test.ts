import { describe, expect, it } from 'vitest';
import { CredentialError } from './credential.errors.js';
import { assertCidr, assertRegion } from './allowed-locations.js';

function messageOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CredentialError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return undefined;
}

describe('CIDRs', () => {
  it('accepts IPv4 and IPv6 networks and single addresses', () => {
    for (const ok of [
      '10.20.0.0/16',
      '0.0.0.0/0',
      '192.168.1.7',
      '192.168.1.7/32',
      '2001:db8:20::/48',
      '::/0',
      '::1',
      'fe80::/10',
      '2001:DB8::/32',
      '::ffff:10.0.0.0/104',
      '1:2:3:4:5:6:7:8/128',
    ]) {
      expect(messageOf(() => assertCidr(ok, '/x')), ok).toBeUndefined();
    }
  });

  it('refuses malformed ones', () => {
    for (const bad of ['', '10.0.0/8', '10.0.0.256/32', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '010.0.0.0/8', '2001:db8::/129', '2001:db8:::/48', '1:2:3:4:5:6:7:8:9/128', 'fe80::1%eth0', 'gggg::/16', 'example.com/24', ' 10.0.0.0/8']) {
      expect(messageOf(() => assertCidr(bad, '/x')), bad).toMatch(/^credential\.invalid_cidr/);
    }
  });

  it('refuses host bits below the prefix and names the network meant', () => {
    expect(messageOf(() => assertCidr('10.20.3.4/16', '/x'))).toContain('did you mean 10.20.0.0/16?');
    expect(messageOf(() => assertCidr('2001:db8:20::1/48', '/x'))).toContain('did you mean 2001:db8:20::/48?');
  });

  it('carries the field of the offending entry', () => {
    try {
      assertCidr('nope', '/allowedLocations/cidrs/2');
    } catch (e) {
      expect((e as CredentialError).field).toBe('/allowedLocations/cidrs/2');
    }
  });
});

describe('regions', () => {
  it('accepts cloud region names and refuses others', () => {
    for (const ok of ['us-west-2', 'europe-west1', 'eastus']) expect(assertRegion(ok, '/r')).toBe(ok);
    for (const bad of ['', 'US-WEST-2', 'us west', '-us']) expect(() => assertRegion(bad, '/r')).toThrow(CredentialError);
  });
});
