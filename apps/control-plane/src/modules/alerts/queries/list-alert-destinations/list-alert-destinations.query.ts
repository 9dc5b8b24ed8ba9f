import { Query } from '@nestjs/cqrs';
import type { AlertDestinationView } from '../alert-destination-view.js';

export class ListAlertDestinationsQuery extends Query<AlertDestinationView[]> {
  constructor(
    readonly tenantId: string,
    readonly includeDeleted: boolean,
  ) {
    super();
  }
}
