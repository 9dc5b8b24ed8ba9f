import { CredentialError } from './credential.errors.js';

/**
 * Parses IPv4 (`a.b.c.d`) and IPv6 (RFC 4291 text, `::` compression, embedded IPv4) into
 * 16-bit groups; undefined when malformed. Written out rather than taken from node:net so
 * the domain stays free of I/O modules, and strict (no leading zeros, no zones).
 */
function ipv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    bytes.push(Number(p));
  }
  return bytes;
}

function ipv6(text: string): number[] | undefined {
  if (text.length > 45 || text.includes('%')) return undefined;
  let groupsText = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = ipv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    groupsText = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = groupsText.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const known = head.length + rest.length;
  if (halves.length === 2) {
    if (known > 7) return undefined;
    return [...head, ...new Array<number>(8 - known).fill(0), ...rest];
  }
  return known === 8 ? head : undefined;
}

/** Bits of an address, most significant first. */
function bits(groups: number[], width: 8 | 16): number[] {
  return groups.flatMap((g) => Array.from({ length: width }, (_, i) => (g >> (width - 1 - i)) & 1));
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
  const groups = v6 ? ipv6(addr) : ipv4(addr);
  const max = v6 ? 128 : 32;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefix = /^(0|[1-9][0-9]{0,2})$/.test(prefixText) ? Number(prefixText) : NaN;
  if (groups === undefined || !(prefix <= max)) {
    throw new CredentialError('credential.invalid_cidr', 'invalid', `'${text}' is not an IPv4 or IPv6 CIDR such as 10.20.0.0/16 or 2001:db8::/32`, field);
  }
  const b = bits(groups, v6 ? 16 : 8);
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
