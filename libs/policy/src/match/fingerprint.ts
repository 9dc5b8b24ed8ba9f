/**
 * Credential fingerprints are compared in their wire form: bare lowercase SHA-256 hex, as
 * the enforcer receives them. Documents and people often write `sha256:<HEX>`; both the
 * prefix and the case are folded here, at compile time for bindings and once per request.
 */
export function canonicalFingerprint(fingerprint: string): string {
  const bare = fingerprint.length > 7 && fingerprint.slice(0, 7).toLowerCase() === 'sha256:' ? fingerprint.slice(7) : fingerprint;
  return bare.toLowerCase();
}
