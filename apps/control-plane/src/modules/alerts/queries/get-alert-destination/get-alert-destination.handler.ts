import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../../platform/clock/clock.js';
import { found } from '../../../../shared/domain/domain-error.js';
import { alertDestinationNotFound } from '../../domain/alert.errors.js';
import { AlertDestinationsRepository } from '../../storage/alert-destinations.repository.js';
import { alertDestinationView, type AlertDestinationView } from '../alert-destination-view.js';
import { GetAlertDestinationQuery } from './get-alert-destination.query.js';

@QueryHandler(GetAlertDestinationQuery)
export class GetAlertDestinationHandler implements IQueryHandler<GetAlertDestinationQuery> {
  constructor(
    @Inject(AlertDestinationsRepository) private readonly destinations: AlertDestinationsRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, destinationId }: GetAlertDestinationQuery): Promise<AlertDestinationView> {
    return alertDestinationView(found(await this.destinations.find(tenantId, destinationId), alertDestinationNotFound), this.clock.now());
  }
}
