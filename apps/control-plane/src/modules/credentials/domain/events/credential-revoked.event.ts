export interface CredentialRevokedPayload {
  readonly credentialId: string;
  readonly reason: string | null;
  readonly revokedAt: string;
}

/** Terminal. */
export class CredentialRevoked {
  static readonly type = 'credential.revoked';
  static readonly schemaVersion = 1;
  readonly type = CredentialRevoked.type;
  readonly schemaVersion = CredentialRevoked.schemaVersion;
  constructor(readonly payload: CredentialRevokedPayload) {}
}
