import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { found } from '../../../../shared/domain/domain-error.js';
import { alertNotFound } from '../../domain/alert.errors.js';
import { AlertsRepository } from '../../storage/alerts.repository.js';
import { alertView, type AlertView } from '../alert-view.js';
import { GetAlertQuery } from './get-alert.query.js';

@QueryHandler(GetAlertQuery)
export class GetAlertHandler implements IQueryHandler<GetAlertQuery> {
  constructor(@Inject(AlertsRepository) private readonly outbox: AlertsRepository) {}

  async execute({ tenantId, alertId }: GetAlertQuery): Promise<AlertView> {
    return alertView(found(await this.outbox.find(tenantId, alertId), alertNotFound), true);
  }
}
