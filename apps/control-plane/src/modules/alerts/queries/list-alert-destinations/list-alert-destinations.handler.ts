import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../../platform/clock/clock.js';
import { AlertDestinationsRepository } from '../../storage/alert-destinations.repository.js';
import { alertDestinationView, type AlertDestinationView } from '../alert-destination-view.js';
import { ListAlertDestinationsQuery } from './list-alert-destinations.query.js';

@QueryHandler(ListAlertDestinationsQuery)
export class ListAlertDestinationsHandler implements IQueryHandler<ListAlertDestinationsQuery> {
  constructor(
    @Inject(AlertDestinationsRepository) private readonly destinations: AlertDestinationsRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, includeDeleted }: ListAlertDestinationsQuery): Promise<AlertDestinationView[]> {
    const now = this.clock.now();
    return (await this.destinations.list(tenantId, { includeDeleted })).map((row) => alertDestinationView(row, now));
  }
}
