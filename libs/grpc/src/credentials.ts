import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';

/** PEM text: a server's certificate and key, and the CA its clients' certificates must chain to (mutual TLS). */
export interface ServerTls {
  readonly cert: string;
  readonly key: string;
  readonly clientCa?: string;
}

/** PEM text: the CA a server's certificate must chain to, and the client's certificate and key for mutual TLS. */
export interface ChannelTls {
  readonly ca: string | Uint8Array;
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
}

const pem = (value: string | Uint8Array | undefined): Buffer | null => (value === undefined ? null : Buffer.from(value));

/**
 * A grpc-js server's credentials: plaintext without `tls`; with a client CA, a client without a
 * certificate it signed fails the handshake, before any call (or token) is read.
 */
export function serverCredentials(tls: ServerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const clientCa = pem(tls.clientCa);
  return ServerCredentials.createSsl(clientCa, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }], clientCa !== null);
}

/** A grpc-js channel's credentials: plaintext without `tls`; else trusting `ca`, presenting `cert` when given. */
export function channelCredentials(tls: ChannelTls | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert));
}
