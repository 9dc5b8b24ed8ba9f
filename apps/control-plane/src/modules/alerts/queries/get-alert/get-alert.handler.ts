import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AlertError } from '../../domain/alert.errors.js';
import { AlertsRepository } from '../../storage/alerts.repository.js';
import { alertView, type AlertView } from '../alert-view.js';
import { GetAlertQuery } from './get-alert.query.js';

@QueryHandler(GetAlertQuery)
export class GetAlertHandler implements IQueryHandler<GetAlertQuery> {
  constructor(@Inject(AlertsRepository) private readonly outbox: AlertsRepository) {}

  async execute({ tenantId, alertId }: GetAlertQuery): Promise<AlertView> {
    const row = await this.outbox.find(tenantId, alertId);
    if (!row) throw new AlertError('alert.not_found', 'not_found', 'alert not found');
    return alertView(row, true);
  }
}
