import { BlockList, isIP } from 'node:net';

/** `true`: listen (or connect) without TLS on an address that is not loopback, on purpose. */
export const ALLOW_PLAINTEXT = 'THOTH_ALLOW_PLAINTEXT';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Only this machine can reach it: 127.0.0.0/8, ::1 (IPv4-mapped too), `localhost`. A wildcard
 * (0.0.0.0, ::, empty) and every other name are not: a name may resolve anywhere.
 */
export function isLoopback(host: string): boolean {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** A listener (or a connection) of a process: where, whether over TLS, and the variables that turn TLS on. */
export interface Endpoint {
  /** What it is, for the message: "the control plane's config stream". */
  readonly name: string;
  readonly host: string;
  readonly tls: boolean;
  /** How to give it TLS: "set THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE". */
  readonly remedy: string;
}

export class PlaintextRefusedError extends Error {
  readonly code = 'PLAINTEXT_REFUSED';
}

/**
 * Production wiring serves TLS or stays on loopback (docs/security.md, "Transport security"):
 * an endpoint without TLS on another address stops the boot, naming it and what to set, unless
 * THOTH_ALLOW_PLAINTEXT=true says plaintext there is meant (a mesh or a proxy that terminates TLS).
 */
export function refusePlaintext(endpoints: readonly Endpoint[], allowPlaintext: boolean): void {
  if (allowPlaintext) return;
  const exposed = endpoints.filter((e) => !e.tls && !isLoopback(e.host));
  if (exposed.length === 0) return;
  const lines = exposed.map((e) => `${e.name} would be plaintext on ${e.host || '(every address)'}, which is not a loopback address: ${e.remedy}`);
  throw new PlaintextRefusedError(`PLAINTEXT_REFUSED: ${lines.join('; ')}; or set ${ALLOW_PLAINTEXT}=true if plaintext there is meant (TLS terminated in front of it)`);
}
