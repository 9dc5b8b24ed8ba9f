import type { PolicyFormat } from '../policy-source.js';

export interface PolicyVersionPublishedPayload {
  readonly tenantId: string;
  /** 1, 2, 3…: the version enforcers report and If-Match names. */
  readonly version: number;
  readonly format: PolicyFormat;
  /** The source exactly as authored; enforcers compile these bytes. */
  readonly source: string;
  readonly contentHash: string;
  /** `metadata.name` / `metadata.version` of the document, for humans. */
  readonly documentName: string;
  readonly documentVersion: string;
  readonly publishedAt: string;
}

export class PolicyVersionPublished {
  static readonly type = 'policy.version_published';
  static readonly schemaVersion = 1;
  readonly type = PolicyVersionPublished.type;
  readonly schemaVersion = PolicyVersionPublished.schemaVersion;
  constructor(readonly payload: PolicyVersionPublishedPayload) {}
}
