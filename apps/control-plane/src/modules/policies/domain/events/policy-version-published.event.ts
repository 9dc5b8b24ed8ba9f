import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
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

export class PolicyVersionPublished extends DomainEventClass('policy.version_published')<PolicyVersionPublishedPayload> {}
