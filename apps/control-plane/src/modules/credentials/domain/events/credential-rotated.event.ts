export interface CredentialRotatedPayload {
  readonly credentialId: string;
  readonly fingerprint: string;
  /** Rotated out: a call still presenting it is refused from now on (no grace period). */
  readonly previousFingerprint: string;
  readonly expiresAt: string | null;
  readonly rotatedAt: string;
}

export class CredentialRotated {
  static readonly type = 'credential.rotated';
  static readonly schemaVersion = 1;
  readonly type = CredentialRotated.type;
  readonly schemaVersion = CredentialRotated.schemaVersion;
  constructor(readonly payload: CredentialRotatedPayload) {}
}
