export interface EnforcerDecommissionedPayload {
  readonly enforcerId: string;
  readonly reason: string | null;
  readonly decommissionedAt: string;
}

/** Terminal: its token no longer opens a config stream. */
export class EnforcerDecommissioned {
  static readonly type = 'enforcer.decommissioned';
  static readonly schemaVersion = 1;
  readonly type = EnforcerDecommissioned.type;
  readonly schemaVersion = EnforcerDecommissioned.schemaVersion;
  constructor(readonly payload: EnforcerDecommissionedPayload) {}
}
