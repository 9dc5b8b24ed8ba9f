import type { PolicyFormat } from '../policy-source.js';

export interface PolicyRolledBackPayload {
  readonly tenantId: string;
  /** The new version: a rollback publishes forward, versions only go up. */
  readonly version: number;
  /** The earlier version whose content this version repeats. */
  readonly rolledBackTo: number;
  readonly format: PolicyFormat;
  readonly source: string;
  readonly contentHash: string;
  readonly documentName: string;
  readonly documentVersion: string;
  readonly publishedAt: string;
}

export class PolicyRolledBack {
  static readonly type = 'policy.rolled_back';
  static readonly schemaVersion = 1;
  readonly type = PolicyRolledBack.type;
  readonly schemaVersion = PolicyRolledBack.schemaVersion;
  constructor(readonly payload: PolicyRolledBackPayload) {}
}
