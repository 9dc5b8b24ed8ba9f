import { createHash } from 'node:crypto';

/**
 * The fingerprint of a credential as Thoth knows it: lowercase hex SHA-256 of the token's
 * UTF-8 bytes (DecideRequest.credential_fingerprint). Only the fingerprint leaves the
 * process; the token itself is never sent to the enforcer.
 */
export function credentialFingerprint(token: string | Uint8Array): string {
  return createHash('sha256').update(token).digest('hex');
}
