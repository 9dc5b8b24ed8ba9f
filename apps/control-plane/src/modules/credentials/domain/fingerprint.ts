import { createHash } from 'node:crypto';
import { CredentialError } from './credential.errors.js';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A credential as Thoth knows it: the lowercase hex SHA-256 of the secret (what the
 * enforcer receives in every decision request, proto `credential_fingerprint`).
 */
export type Fingerprint = string & { readonly __brand: 'Fingerprint' };

/** Hashes a secret at once; the secret is not kept or logged anywhere after this call. */
export function fingerprintOfSecret(secret: string, field = '/token'): Fingerprint {
  if (secret.length === 0 || secret.length > 16_384) {
    throw new CredentialError('credential.invalid_field', 'invalid', 'token must be 1-16384 characters', field);
  }
  return createHash('sha256').update(secret, 'utf8').digest('hex') as Fingerprint;
}

/** Accepts `<64 hex>` or `sha256:<64 hex>` (as policy documents write it), any case; returns the bare lowercase hex. */
export function parseFingerprint(text: string, field = '/fingerprint'): Fingerprint {
  const hex = (text.startsWith('sha256:') ? text.slice('sha256:'.length) : text).toLowerCase();
  if (!HEX64.test(hex)) {
    throw new CredentialError('credential.invalid_fingerprint', 'invalid', 'fingerprint must be the SHA-256 of the secret as 64 hex characters (optionally prefixed with sha256:)', field);
  }
  return hex as Fingerprint;
}
