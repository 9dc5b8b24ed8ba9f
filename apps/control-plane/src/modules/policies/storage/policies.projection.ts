import { Inject, Injectable } from '@nestjs/common';
import { policies, policyVersions } from '@thoth/db';
import { AggregateProjection, ProjectionRegistry, type RowStamp } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import type { PolicyEvent } from '../domain/events/index.js';
import { PoliciesRepository } from './policies.repository.js';

/** policies (what is current, and the mode) and policy_versions, folded from the tenant's Policy stream. */
@Injectable()
export class PoliciesProjection extends AggregateProjection<PolicyEvent> {
  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    super(registry, 'policies', [policies, policyVersions], 'policy.');
  }

  protected async fold(tx: Tx, event: PolicyEvent, stamp: RowStamp, record: RecordedEvent): Promise<void> {
    switch (event.type) {
      case 'policy.version_published':
      case 'policy.rolled_back': {
        const p = event.payload;
        await PoliciesRepository.insertVersion(tx, {
          tenantId: p.tenantId,
          version: p.version,
          format: p.format,
          source: p.source,
          contentHash: p.contentHash,
          documentName: p.documentName,
          documentVersion: p.documentVersion,
          rolledBackTo: 'rolledBackTo' in p ? p.rolledBackTo : null,
          publishedAt: new Date(p.publishedAt),
          publishedBy: record.metadata.actor,
        });
        if (p.version === 1) {
          return PoliciesRepository.upsertPolicy(tx, { tenantId: p.tenantId, currentVersion: 1, contentHash: p.contentHash, mode: 'enforce', ...stamp });
        }
        return PoliciesRepository.updatePolicy(tx, p.tenantId, { currentVersion: p.version, contentHash: p.contentHash, ...stamp });
      }
      case 'policy.mode_changed':
        return PoliciesRepository.updatePolicy(tx, event.payload.tenantId, { mode: event.payload.mode, ...stamp });
    }
  }
}
