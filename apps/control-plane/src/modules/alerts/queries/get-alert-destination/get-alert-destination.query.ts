import { Query } from '@nestjs/cqrs';
import type { AlertDestinationView } from '../alert-destination-view.js';

export class GetAlertDestinationQuery extends Query<AlertDestinationView> {
  constructor(
    readonly tenantId: string,
    readonly destinationId: string,
  ) {
    super();
  }
}
