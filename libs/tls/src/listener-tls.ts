import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** The certificate (chain, leaf first) and key every listener of a process presents: both or neither. */
export const TLS_CERT_FILE = 'THOTH_TLS_CERT_FILE';
export const TLS_KEY_FILE = 'THOTH_TLS_KEY_FILE';

/** A listener's TLS, PEM text read at boot. */
export interface ListenerTls {
  readonly cert: string;
  readonly key: string;
  /** Clients must present a certificate this CA signed (mutual TLS); absent, none is asked for. */
  readonly clientCa?: string;
}

export type TlsRead = { readonly ok: true; readonly tls: ListenerTls | undefined } | { readonly ok: false; readonly problems: readonly string[] };

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

/**
 * A listener's TLS from the files the environment names: the process's certificate and key
 * (THOTH_TLS_CERT_FILE, THOTH_TLS_KEY_FILE; neither set: plaintext) and, when the listener's own
 * `clientCaVariable` is set, the CA its clients' certificates must chain to. Every problem names
 * its variable; the key is checked to be the certificate's, so a wrong pair stops the boot
 * rather than the first handshake.
 */
export function readListenerTls(env: Readonly<Record<string, string | undefined>>, clientCaVariable?: string): TlsRead {
  const files = new PemFiles(env);
  if (files.named(clientCaVariable) && !files.named(TLS_CERT_FILE)) {
    files.problems.push(`${clientCaVariable}: needs ${TLS_CERT_FILE} and ${TLS_KEY_FILE} (clients are asked for certificates only over TLS)`);
  }
  const pair = files.pair(TLS_CERT_FILE, TLS_KEY_FILE, 'a listener presents a certificate and proves it holds its key');
  const clientCa = clientCaVariable ? files.ca(clientCaVariable) : undefined;
  if (files.problems.length > 0) return { ok: false, problems: files.problems };
  if (pair === undefined) return { ok: true, tls: undefined };
  return { ok: true, tls: { ...pair, ...(clientCa !== undefined ? { clientCa } : {}) } };
}

/** How a client reaches a TLS listener: the CA it trusts, and the certificate it presents when the listener asks. */
export interface ClientTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

export type ClientTlsRead = { readonly ok: true; readonly tls: ClientTls | undefined } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * A client's TLS from the files the environment names (e.g. the enforcer's THOTH_CONTROL_PLANE_CA_FILE,
 * _CERT_FILE, _KEY_FILE): the CA set turns TLS on; a certificate and key, both or neither, for mutual TLS.
 */
export function readClientTls(env: Readonly<Record<string, string | undefined>>, variables: { readonly ca: string; readonly cert: string; readonly key: string }): ClientTlsRead {
  const files = new PemFiles(env);
  if (files.named(variables.cert) && !files.named(variables.ca)) {
    files.problems.push(`${variables.ca}: required with ${variables.cert} (a client certificate is presented only over TLS)`);
  }
  const pair = files.pair(variables.cert, variables.key, 'a client presents a certificate and proves it holds its key');
  const ca = files.ca(variables.ca);
  if (files.problems.length > 0) return { ok: false, problems: files.problems };
  if (ca === undefined) return { ok: true, tls: undefined };
  return { ok: true, tls: { ca, ...pair } };
}

/** Reads the PEM files variables name, collecting problems that name the variable. */
class PemFiles {
  readonly problems: string[] = [];
  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  named(variable: string | undefined): variable is string {
    return variable !== undefined && (this.env[variable] ?? '') !== '';
  }

  read(variable: string): string | undefined {
    if (!this.named(variable)) return undefined;
    const file = this.env[variable]!;
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      this.problems.push(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return undefined;
    }
  }

  /** A certificate and its key, both or neither; the key is checked to be the certificate's. */
  pair(certVariable: string, keyVariable: string, why: string): { cert: string; key: string } | undefined {
    if (this.named(certVariable) !== this.named(keyVariable)) {
      const [missing, given] = this.named(certVariable) ? [keyVariable, certVariable] : [certVariable, keyVariable];
      this.problems.push(`${missing}: required with ${given} (${why})`);
      return undefined;
    }
    const cert = this.read(certVariable);
    const key = this.read(keyVariable);
    if (cert === undefined || key === undefined) return undefined;
    try {
      createSecureContext({ cert, key });
    } catch (error) {
      this.problems.push(`${certVariable}, ${keyVariable}: not a PEM certificate and its private key (${(error as Error).message})`);
      return undefined;
    }
    return { cert, key };
  }

  ca(variable: string): string | undefined {
    const ca = this.read(variable);
    if (ca !== undefined && !ca.includes(PEM_CERTIFICATE)) {
      this.problems.push(`${variable}: ${this.env[variable]} holds no PEM certificate`);
      return undefined;
    }
    return ca;
  }
}

/**
 * node:tls server options for a listener (https, http2's secure server, Fastify's `https`): with a
 * client CA, a client without a certificate it signed fails the handshake, before any request.
 */
export function secureServerOptions(tls: ListenerTls): { cert: string; key: string; minVersion: 'TLSv1.2'; ca?: string; requestCert?: true; rejectUnauthorized?: true } {
  return {
    cert: tls.cert,
    key: tls.key,
    minVersion: 'TLSv1.2',
    ...(tls.clientCa !== undefined ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  };
}
