import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
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

export class PolicyRolledBack extends DomainEventClass('policy.rolled_back')<PolicyRolledBackPayload> {}
