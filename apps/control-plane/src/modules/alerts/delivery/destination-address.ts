import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { parseAddress } from '@thoth/policy';
import { AlertError } from '../domain/alert.errors.js';

/** What the config allows alerts to reach (AlertsConfig.allowPrivateNetworks). */
export interface AddressPolicy {
  readonly allowPrivateNetworks: boolean;
}

// Never reachable, whatever the config says: "this network", link-local (where the cloud
// metadata services live: 169.254.169.254, fd00:ec2::254), multicast, reserved, and the
// metadata addresses outside link-local (Alibaba's 100.100.100.200).
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('0.0.0.0', 8, 'ipv4');
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('224.0.0.0', 4, 'ipv4');
FORBIDDEN.addSubnet('240.0.0.0', 4, 'ipv4');
FORBIDDEN.addAddress('100.100.100.200', 'ipv4');
FORBIDDEN.addAddress('::', 'ipv6');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addSubnet('ff00::', 8, 'ipv6');
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6');

// Loopback, private, shared (CGNAT) and benchmarking ranges: only when the config allows them.
const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addSubnet('198.18.0.0', 15, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

// Names of metadata services, refused before any lookup.
const FORBIDDEN_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

export type AddressClass = 'public' | 'private' | 'forbidden';

const RANK: Record<AddressClass, number> = { public: 0, private: 1, forbidden: 2 };

function classifyOne(address: string): AddressClass {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (FORBIDDEN.check(address, family)) return 'forbidden';
  if (PRIVATE.check(address, family)) return 'private';
  return 'public';
}

/**
 * The IPv4 addresses an IPv6 address hands to the network on the way (parsed by @thoth/policy's
 * parseAddress, the engine's parser): IPv4-mapped (::ffff:0:0/96) and -compatible (::/96 but
 * :: and ::1), NAT64 (RFC 6052: the well-known 64:ff9b::/96; the local-use 64:ff9b:1::/48 at every
 * prefix length it may be deployed with, 48, 56, 64 and 96) and 6to4 (2002::/16). A NAT64 or 6to4
 * gateway turns the packet into one to that IPv4 address, so the address is judged by it too.
 */
export function embeddedIPv4(address: string): string[] {
  const parsed = parseAddress(address);
  if (!parsed) return [];
  const [w0, w1, w2, w3] = parsed.words;
  if (parsed.family === 4) return isIP(address) === 6 ? [dotted(w3)] : [];
  const bytes = parsed.words.flatMap((w) => [w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff]);
  // RFC 6052 §2.2: the IPv4 address follows the prefix, skipping bits 64–71 (the u octet).
  const nat64 = (prefix: number): string => {
    const at = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15].slice(prefix / 8 - (prefix > 64 ? 1 : 0)).slice(0, 4);
    return at.map((i) => bytes[i]).join('.');
  };
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 > 1) return [dotted(w3)];
  if (w0 === 0x0064ff9b && w1 === 0 && w2 === 0) return [dotted(w3)];
  if (w0 === 0x0064ff9b && w1 >>> 16 === 1) return [48, 56, 64, 96].map(nat64);
  if (w0 >>> 16 === 0x2002) return [dotted(((w0 & 0xffff) * 0x10000 + (w1 >>> 16)) >>> 0)];
  return [];
}

const dotted = (n: number): string => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');

/** The worst class of the address and of every IPv4 address it carries (embeddedIPv4). */
export function classifyAddress(address: string): AddressClass {
  return [address, ...embeddedIPv4(address)].map(classifyOne).reduce((worst, c) => (RANK[c] > RANK[worst] ? c : worst), 'public');
}

/** Throws the stable error for an address the policy refuses. */
export function assertAddressAllowed(address: string, host: string, policy: AddressPolicy, field: string): void {
  const kind = classifyAddress(address);
  const carried = embeddedIPv4(address);
  const shown = carried.length === 0 ? address : `${address} (IPv4 ${carried.join(', ')} inside)`;
  if (kind === 'forbidden') {
    throw new AlertError(
      'alert_destination.forbidden_address',
      'invalid',
      `${host} is ${shown}, a link-local, metadata, multicast or reserved address; alerts never go there`,
      field,
    );
  }
  if (kind === 'private' && !policy.allowPrivateNetworks) {
    throw new AlertError(
      'alert_destination.private_address',
      'invalid',
      `${host} is ${shown}, a loopback or private address; this control plane only sends alerts to public addresses (THOTH_ALERTS_ALLOW_PRIVATE_NETWORKS)`,
      field,
    );
  }
}

/** A hostname without the brackets of an IPv6 literal, lower case, without a trailing dot. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');
}

/**
 * Checks a webhook or Slack URL as far as it can without the network: an absolute http(s)
 * URL without credentials; https unless private networks are allowed; an IP literal or a
 * known metadata name is judged at once. Returns the URL and what may be shown of it.
 */
export function parseDestinationUrl(text: string, policy: AddressPolicy, field = '/url'): { url: URL; target: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new AlertError('alert_destination.invalid_url', 'invalid', `'${text.slice(0, 200)}' is not an absolute URL`, field, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AlertError('alert_destination.invalid_url', 'invalid', `${url.protocol} URLs are not supported: use https://`, field);
  }
  if (url.username !== '' || url.password !== '') {
    throw new AlertError('alert_destination.invalid_url', 'invalid', 'the URL must not carry a user name or password', field);
  }
  if (url.protocol === 'http:' && !policy.allowPrivateNetworks) {
    throw new AlertError('alert_destination.insecure_url', 'invalid', 'alerts carry receipts and decision details: the URL must be https://', field);
  }
  assertHostAllowed(bareHost(url.hostname), policy, field);
  return { url, target: `${url.origin}/…` };
}

/** The checks that need no lookup: a literal address, or a metadata service's name. */
export function assertHostAllowed(host: string, policy: AddressPolicy, field: string): void {
  if (host === '' || host.length > 253) throw new AlertError('alert_destination.invalid_field', 'invalid', 'the host is empty or too long', field);
  if (FORBIDDEN_NAMES.has(host)) {
    throw new AlertError('alert_destination.forbidden_address', 'invalid', `${host} is a cloud metadata service; alerts never go there`, field);
  }
  if (isIP(host) !== 0) assertAddressAllowed(host, host, policy, field);
  else if (!/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(host)) {
    throw new AlertError('alert_destination.invalid_field', 'invalid', `'${host}' is not a valid host name or address`, field);
  }
}

export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * Resolves a host and checks every address it has (one bad address is enough to refuse: a
 * name can be made to answer differently from one lookup to the next). Used when a
 * destination is created, and again on every delivery (`guardedLookup`), so that a name
 * later re-pointed at a metadata address is caught then (DNS rebinding).
 */
export async function resolveAllowed(host: string, policy: AddressPolicy, resolver: Resolver, field = '/url'): Promise<LookupAddress[]> {
  if (isIP(host) !== 0) {
    assertAddressAllowed(host, host, policy, field);
    return [{ address: host, family: isIP(host) }];
  }
  assertHostAllowed(host, policy, field);
  let addresses: LookupAddress[];
  try {
    addresses = await resolver(host);
  } catch (error) {
    throw new AlertError('alert_destination.unresolvable_host', 'invalid', `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`, field, { cause: error });
  }
  if (addresses.length === 0) throw new AlertError('alert_destination.unresolvable_host', 'invalid', `${host} has no address`, field);
  for (const a of addresses) assertAddressAllowed(a.address, host, policy, field);
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s), node:net and node:tls that connects only to addresses the
 * policy allows, checked on the very answer the connection uses.
 */
export function guardedLookup(policy: AddressPolicy, resolver: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolveAllowed(bareHost(hostname), policy, resolver).then(
      (addresses) => (options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)),
      (error: Error) => callback(Object.assign(error, { code: 'ETHOTHADDRESS' }) as NodeJS.ErrnoException, '', 0),
    );
  };
}
