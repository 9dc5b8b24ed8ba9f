import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../../../platform/clock/clock.js';
import { found } from '../../../../shared/domain/domain-error.js';
import { shadowReportNotFound } from '../../domain/shadow-report.errors.js';
import { newViewLinkSecret, viewLinkSecretHash, viewLinkToken } from '../../domain/view-link.js';
import { ShadowReportsRepository } from '../../storage/shadow-reports.repository.js';
import { IssueViewLinkCommand, type IssuedViewLink } from './issue-view-link.command.js';

@CommandHandler(IssueViewLinkCommand)
export class IssueViewLinkHandler implements ICommandHandler<IssueViewLinkCommand> {
  constructor(
    @Inject(ShadowReportsRepository) private readonly reports: ShadowReportsRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, reportId, expiresInSeconds }: IssueViewLinkCommand): Promise<IssuedViewLink> {
    found(await this.reports.find(caller.tenantId, reportId), shadowReportNotFound);
    const now = this.clock.now();
    const linkId = randomUUID();
    const secret = newViewLinkSecret();
    const expiresAt = new Date(now.getTime() + expiresInSeconds * 1000);
    await this.reports.insertViewLink({ linkId, tenantId: caller.tenantId, reportId, secretHash: viewLinkSecretHash(secret), expiresAt, createdAt: now, createdBy: caller.actor });
    return { linkId, token: viewLinkToken({ tenantId: caller.tenantId, linkId, secret }), expiresAt };
  }
}
