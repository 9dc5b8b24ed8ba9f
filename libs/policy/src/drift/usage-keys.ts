import { parseAddress, parseCidr, type Address, type Cidr } from '../match/cidr.js';

/** Longest resource class kept; longer ones are cut (a hostile resource must not grow baselines). */
const MAX_CLASS_LENGTH = 200;
const URL_LIKE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(\/[^/?#]*)?/;

/**
 * The class of a resource, what drift compares: for a URL, scheme + host (+ port) + first
 * path segment (`https://api.github.com/repos/acme/x?y` → `https://api.github.com/repos`;
 * user info dropped, scheme and host lowercased); otherwise, query and fragment dropped,
 * its first two `/`-separated segments (`crm/executives/123` → `crm/executives`,
 * `/var/data/x` → `/var/data`). `""` (no resource) is its own class.
 */
export function resourceClass(resource: string): string {
  if (resource === '') return '';
  const url = URL_LIKE.exec(resource);
  let out: string;
  if (url !== null) {
    const authority = url[2]!;
    const host = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
    const first = url[3] === undefined || url[3] === '/' ? '' : url[3];
    out = `${url[1]!.toLowerCase()}://${host}${first}`;
  } else {
    let end = resource.length;
    const q = resource.indexOf('?');
    if (q >= 0) end = q;
    const h = resource.indexOf('#');
    if (h >= 0 && h < end) end = h;
    const s = end === resource.length ? resource : resource.slice(0, end);
    const i1 = s.indexOf('/', s.startsWith('/') ? 1 : 0);
    const i2 = i1 < 0 ? -1 : s.indexOf('/', i1 + 1);
    out = i2 < 0 ? s : s.slice(0, i2);
  }
  return out.length > MAX_CLASS_LENGTH ? out.slice(0, MAX_CLASS_LENGTH) : out;
}

function renderNetwork(a: Address): string {
  const w = a.words;
  if (a.family === 4) {
    const v = w[3];
    return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.0/24`;
  }
  return `${(w[0] >>> 16).toString(16)}:${(w[0] & 0xffff).toString(16)}:${(w[1] >>> 16).toString(16)}::/48`;
}

/**
 * End of the third octet of a canonical dotted quad (no leading zeros, each at most 255), or
 * -1: the common case of networkOf without parsing, since such an address's first three
 * octets already are the network's text.
 */
function canonicalV4Prefix(ip: string): number {
  if (ip.length < 7 || ip.length > 15) return -1;
  let dots = 0;
  let third = -1;
  let start = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i === ip.length ? 46 : ip.charCodeAt(i);
    if (c === 46) {
      const len = i - start;
      if (len < 1 || len > 3 || (len > 1 && ip.charCodeAt(start) === 48)) return -1;
      if (len === 3 && (ip.charCodeAt(start) - 48) * 100 + (ip.charCodeAt(start + 1) - 48) * 10 + (ip.charCodeAt(start + 2) - 48) > 255) return -1;
      if (i < ip.length && ++dots === 3) third = i;
      start = i + 1;
    } else if (c < 48 || c > 57) return -1;
  }
  return dots === 3 ? third : -1;
}

/**
 * The network a source address belongs to, for drift: its IPv4 /24 or IPv6 /48 in CIDR
 * notation (`203.0.113.7` → `203.0.113.0/24`, `2001:db8:1:2::5` → `2001:db8:1::/48`;
 * IPv4-mapped IPv6 counts as IPv4). Undefined for text that is not an IP address.
 */
export function networkOf(ip: string): string | undefined {
  const third = canonicalV4Prefix(ip);
  if (third > 0) return `${ip.slice(0, third)}.0/24`;
  const a = parseAddress(ip);
  return a === undefined ? undefined : renderNetwork(a);
}

/**
 * A baseline network in canonical form: a /24 (IPv4) or /48 (IPv6) becomes the string
 * `networkOf` produces for its addresses; any other prefix is kept as a parsed CIDR.
 * Undefined when the text is not a CIDR.
 */
export function baselineNetwork(text: string): { readonly key: string } | { readonly cidr: Cidr } | undefined {
  const c = parseCidr(text);
  if (c === undefined) return undefined;
  if ((c.family === 4 && c.prefix === 96 + 24) || (c.family === 6 && c.prefix === 48)) return { key: renderNetwork(c) };
  return { cidr: c };
}
