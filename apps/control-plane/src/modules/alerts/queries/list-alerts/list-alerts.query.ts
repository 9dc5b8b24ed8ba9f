import { Query } from '@nestjs/cqrs';
import type { AlertCursor, AlertStatus } from '../../storage/alerts.repository.js';
import type { AlertView } from '../alert-view.js';

export interface AlertPage {
  items: AlertView[];
  /** Pass as `after` for the next page; null at the end. */
  next: string | null;
}

export class ListAlertsQuery extends Query<AlertPage> {
  constructor(
    readonly tenantId: string,
    readonly filter: { status?: AlertStatus; destinationId?: string; after?: AlertCursor; limit: number },
  ) {
    super();
  }
}
