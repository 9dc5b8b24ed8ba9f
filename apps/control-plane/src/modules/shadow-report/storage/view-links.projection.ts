import { Inject, Injectable } from '@nestjs/common';
import type { Projection } from '../../../event-store/projection.js';
import { ProjectionRegistry } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { ViewLinkRevoked, type ViewLinkRevokedPayload } from '../domain/events/view-link-revoked.event.js';
import { ShadowReportsRepository } from './shadow-reports.repository.js';

/**
 * Revocations of view links: the revoked link's row is deleted with the event. It owns no table
 * (links are written when issued, not folded from events), so a rebuild keeps the links and
 * replays the deletions.
 */
@Injectable()
export class ViewLinksProjection implements Projection {
  readonly name = 'shadow-report-view-link-revocations';
  readonly tables = [];

  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    registry.register(this);
  }

  async apply(tx: Tx, record: RecordedEvent): Promise<void> {
    if (record.type !== ViewLinkRevoked.type) return;
    await ShadowReportsRepository.deleteViewLink(tx, record.tenantId, (record.payload as ViewLinkRevokedPayload).linkId);
  }
}
