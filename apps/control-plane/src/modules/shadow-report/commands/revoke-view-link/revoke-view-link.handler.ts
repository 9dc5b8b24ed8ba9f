import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '../../../../event-store/event-store.js';
import { metadataOf } from '../../../../platform/caller.js';
import { found } from '../../../../shared/domain/domain-error.js';
import { ViewLinkRevoked, viewLinkStreamId } from '../../domain/events/view-link-revoked.event.js';
import { shadowReportNotFound, viewLinkNotFound } from '../../domain/shadow-report.errors.js';
import { ShadowReportsRepository } from '../../storage/shadow-reports.repository.js';
import { RevokeViewLinkCommand } from './revoke-view-link.command.js';

/**
 * Appends shadow_report.view_link_revoked (the audit trail); ViewLinksProjection deletes the
 * link's row in the same transaction, so the page then finds no such link.
 */
@CommandHandler(RevokeViewLinkCommand)
export class RevokeViewLinkHandler implements ICommandHandler<RevokeViewLinkCommand> {
  constructor(
    @Inject(ShadowReportsRepository) private readonly reports: ShadowReportsRepository,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  async execute({ caller, reportId, linkId }: RevokeViewLinkCommand): Promise<void> {
    found(await this.reports.find(caller.tenantId, reportId), shadowReportNotFound);
    const link = await this.reports.findViewLink(caller.tenantId, linkId);
    if (!link || link.reportId !== reportId) throw viewLinkNotFound();
    await this.store.append({
      tenantId: caller.tenantId,
      streamId: viewLinkStreamId(linkId),
      expectedVersion: 0,
      events: [new ViewLinkRevoked({ reportId, linkId })],
      metadata: metadataOf(caller),
    });
  }
}
