export interface EnforcerConfigActivatedPayload {
  readonly enforcerId: string;
  /** `EnforcerConfig.version` the enforcer ACKed: verified, compiled and swapped in. */
  readonly configVersion: number;
  /** `EnforcerConfig.content_hash` of that snapshot, when the ACK names it. */
  readonly contentHash: string | null;
  readonly activatedAt: string;
  /** The process that ACKed (`Hello.enforcer_id`), when known. */
  readonly instanceId: string | null;
}

export class EnforcerConfigActivated {
  static readonly type = 'enforcer.config_activated';
  static readonly schemaVersion = 1;
  readonly type = EnforcerConfigActivated.type;
  readonly schemaVersion = EnforcerConfigActivated.schemaVersion;
  constructor(readonly payload: EnforcerConfigActivatedPayload) {}
}
