import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, parseAddress, parseCidr } from './cidr.js';
import { GlobSet, globMatch } from './glob.js';

describe('globs', () => {
  it('match like the obvious regular expression', () => {
    const reference = (glob: string, text: string): boolean =>
      new RegExp(`^${[...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('')}$`, 's').test(text);
    const alphabet = fc.constantFrom('a', 'b', '.', '/');
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(alphabet, fc.constantFrom('*', '?')), maxLength: 8 }), fc.string({ unit: alphabet, maxLength: 10 }), (glob, text) => {
        expect(globMatch(glob, text)).toBe(reference(glob, text));
        expect(new GlobSet([glob]).test(text)).toBe(reference(glob, text));
      }),
      { numRuns: 2000 },
    );
  });

  it('handle the usual shapes', () => {
    const s = new GlobSet(['crm.read', 'crm.delete_*', '*.insert', 'db.migrate?', 'a*b*c']);
    expect(['crm.read', 'crm.delete_records', 'crm.insert', 'db.migrate2', 'a-b-c'].every((t) => s.test(t))).toBe(true);
    expect(['crm.reads', 'crm.delete', 'crm.insert_x', 'db.migrate', 'a-c-b'].some((t) => s.test(t))).toBe(false);
  });

  it('do not backtrack catastrophically on hostile input', () => {
    // A RegExp for this glob backtracks for ages on this text; the matcher is polynomial.
    expect(globMatch('*a*a*a*a*a*a*a*b', 'a'.repeat(5_000))).toBe(false);
  });
});

describe('CIDRs', () => {
  const inside = (cidr: string, ip: string): boolean => {
    const c = parseCidr(cidr);
    const a = parseAddress(ip);
    if (c === undefined || a === undefined) throw new Error(`bad test input ${cidr} ${ip}`);
    return cidrContains(c, a);
  };

  it('IPv4', () => {
    expect(inside('10.0.0.0/8', '10.255.0.1')).toBe(true);
    expect(inside('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(inside('192.168.1.7', '192.168.1.7')).toBe(true);
    expect(inside('192.168.1.7/32', '192.168.1.8')).toBe(false);
    expect(inside('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(inside('10.20.0.0/15', '10.21.3.4')).toBe(true);
    expect(inside('10.20.0.0/15', '10.22.0.0')).toBe(false);
  });

  it('IPv6, with :: and embedded IPv4', () => {
    expect(inside('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(inside('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(inside('::/0', '::1')).toBe(true);
    expect(inside('fe80::/10', 'febf::1')).toBe(true);
    expect(inside('fe80::/10', 'fec0::1')).toBe(false);
    expect(inside('2001:db8::1/128', '2001:0db8:0000:0000:0000:0000:0000:0001')).toBe(true);
    expect(inside('64:ff9b::/96', '64:ff9b::192.0.2.33')).toBe(true);
    expect(inside('10.0.0.0/8', '::ffff:10.1.2.3')).toBe(true); // IPv4-mapped counts as IPv4
    expect(inside('10.0.0.0/8', '2001:db8::a00:1')).toBe(false); // families never mix
  });

  it('rejects malformed addresses and prefixes', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0', '10.0.0.256', '01.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', 'fe80::1%eth0', '::/129', 'x', '']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
    expect(parseAddress('1:2:3:4:5:6:7:8')).toEqual({ family: 6, words: [0x10002, 0x30004, 0x50006, 0x70008] });
  });
});
