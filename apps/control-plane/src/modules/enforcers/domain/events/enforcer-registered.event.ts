export interface EnforcerRegisteredPayload {
  readonly enforcerId: string;
  readonly tenantId: string;
  readonly name: string;
  /** SHA-256 hex of the enforcer token it presents on the config stream (`Hello.enforcer_token`). */
  readonly tokenHash: string;
  readonly tokenHint: string;
  readonly registeredAt: string;
}

export class EnforcerRegistered {
  static readonly type = 'enforcer.registered';
  static readonly schemaVersion = 1;
  readonly type = EnforcerRegistered.type;
  readonly schemaVersion = EnforcerRegistered.schemaVersion;
  constructor(readonly payload: EnforcerRegisteredPayload) {}
}
