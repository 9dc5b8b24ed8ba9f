/** IPv4 and IPv6 addresses as four 32-bit words (IPv4 and IPv4-mapped IPv6 use family 4, word 3). */
export interface Address {
  readonly family: 4 | 6;
  readonly words: readonly [number, number, number, number];
}

export interface Cidr extends Address {
  readonly prefix: number;
}

function parseV4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n >>> 0;
}

function parseV6(s: string): [number, number, number, number] | undefined {
  if (s.length > 45 || s.includes('%')) return undefined;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) return undefined;
  const known = head.length + rest.length;
  let groups: number[];
  if (halves.length === 2) {
    if (known > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest];
  } else {
    if (known !== 8) return undefined;
    groups = head;
  }
  const w = (i: number): number => (((groups[2 * i] ?? 0) << 16) | (groups[2 * i + 1] ?? 0)) >>> 0;
  return [w(0), w(1), w(2), w(3)];
}

/** Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. */
export function parseAddress(s: string): Address | undefined {
  if (s.includes(':')) {
    const w = parseV6(s);
    if (w === undefined) return undefined;
    if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { family: 4, words: [0, 0, 0, w[3]] };
    return { family: 6, words: w };
  }
  const v4 = parseV4(s);
  return v4 === undefined ? undefined : { family: 4, words: [0, 0, 0, v4] };
}

/** Parses `addr/prefix` (a bare address is a single host). */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addr = parseAddress(slash < 0 ? s : s.slice(0, slash));
  if (addr === undefined) return undefined;
  const max = addr.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { ...addr, prefix: addr.family === 4 ? prefix + 96 : prefix };
}

export function cidrContains(c: Cidr, a: Address): boolean {
  if (c.family !== a.family) return false;
  let bits = c.prefix;
  for (let i = 0; i < 4 && bits > 0; i++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if (((c.words[i]! ^ a.words[i]!) & mask) >>> 0 !== 0) return false;
  }
  return true;
}
