import { Inject, Injectable } from '@nestjs/common';
import { policies, policyVersions } from '@thoth/db';
import type { Projection } from '../../../event-store/projection.js';
import { ProjectionRegistry } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import type { PolicyEvent } from '../domain/events/index.js';
import { PoliciesRepository } from './policies.repository.js';

/** policies (what is current, and the mode) and policy_versions, folded from the tenant's Policy stream. */
@Injectable()
export class PoliciesProjection implements Projection {
  readonly name = 'policies';
  readonly tables = [policies, policyVersions];

  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    registry.register(this);
  }

  async apply(tx: Tx, record: RecordedEvent): Promise<void> {
    if (!record.type.startsWith('policy.')) return;
    const event = { type: record.type, payload: record.payload } as PolicyEvent;
    const stamp = { version: record.version, updatedAt: record.recordedAt };
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
