import { parseAddress, type Address } from '@thoth/policy';
import { CredentialError } from './credential.errors.js';

// Where a credential may be used from: CIDRs (parsed by the policy engine, which enforces them) and cloud regions.

/**
 * Bits of an address, most significant first: 32 for IPv4 text, 128 for IPv6 text (an
 * IPv4-mapped one, which the engine reads as IPv4, back in its IPv6 place).
 */
function bitsOf(address: Address, v6: boolean): number[] {
  const words = !v6 ? [address.words[3]] : address.family === 4 ? [0, 0, 0xffff, address.words[3]] : address.words;
  return words.flatMap((w) => Array.from({ length: 32 }, (_, i) => (w >>> (31 - i)) & 1));
}

/**
 * Validates an IPv4 or IPv6 CIDR (`10.20.0.0/16`, `2001:db8:20::/48`; a bare address is a
 * single host) and returns it unchanged. Host bits set below the prefix are refused with
 * the network that was probably meant, rather than silently widened.
 */
export function assertCidr(text: string, field: string): string {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const v6 = addr.includes(':');
  const address = parseAddress(addr);
  const max = v6 ? 128 : 32;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefix = /^(0|[1-9][0-9]{0,2})$/.test(prefixText) ? Number(prefixText) : NaN;
  if (address === undefined || !(prefix <= max)) {
    throw new CredentialError('credential.invalid_cidr', 'invalid', `'${text}' is not an IPv4 or IPv6 CIDR such as 10.20.0.0/16 or 2001:db8::/32`, field);
  }
  const b = bitsOf(address, v6);
  if (b.slice(prefix).some((x) => x === 1)) {
    const network = b.map((x, i) => (i < prefix ? x : 0));
    throw new CredentialError('credential.invalid_cidr', 'invalid', `'${text}' has host bits set; did you mean ${formatNetwork(network, v6)}/${prefix}?`, field);
  }
  return text;
}

function formatNetwork(b: number[], v6: boolean): string {
  const width = v6 ? 16 : 8;
  const groups: number[] = [];
  for (let i = 0; i < b.length; i += width) groups.push(b.slice(i, i + width).reduce((n, x) => n * 2 + x, 0));
  if (!v6) return groups.join('.');
  // RFC 5952: compress the longest run of two or more zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

// Cloud region names: us-west-2, europe-west1, eastus, ap-southeast-1.
const REGION = /^[a-z0-9]([a-z0-9-]{0,62})$/;

export function assertRegion(text: string, field: string): string {
  if (!REGION.test(text)) {
    throw new CredentialError('credential.invalid_region', 'invalid', `'${text}' is not a region name such as us-west-2 (lowercase letters, digits, '-')`, field);
  }
  return text;
}
