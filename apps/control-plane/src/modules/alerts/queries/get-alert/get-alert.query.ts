import { Query } from '@nestjs/cqrs';
import type { AlertView } from '../alert-view.js';

export class GetAlertQuery extends Query<AlertView> {
  constructor(
    readonly tenantId: string,
    readonly alertId: string,
  ) {
    super();
  }
}
