export interface ApiKeyRevokedPayload {
  readonly keyId: string;
  readonly revokedAt: string;
}

/** The key answers 401 from the next request on. */
export class ApiKeyRevoked {
  static readonly type = 'tenant.api_key_revoked';
  static readonly schemaVersion = 1;
  readonly type = ApiKeyRevoked.type;
  readonly schemaVersion = ApiKeyRevoked.schemaVersion;
  constructor(readonly payload: ApiKeyRevokedPayload) {}
}
