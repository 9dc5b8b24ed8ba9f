export interface EnforcerSeenPayload {
  readonly enforcerId: string;
  readonly seenAt: string;
}

/** Liveness, recorded at most once a minute however often the enforcer heartbeats. */
export class EnforcerSeen {
  static readonly type = 'enforcer.seen';
  static readonly schemaVersion = 1;
  readonly type = EnforcerSeen.type;
  readonly schemaVersion = EnforcerSeen.schemaVersion;
  constructor(readonly payload: EnforcerSeenPayload) {}
}
