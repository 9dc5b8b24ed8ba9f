import { Query } from '@nestjs/cqrs';
import type { DecisionFilters, DecisionPosition } from '../../storage/decision-records.repository.js';
import type { DecisionView } from '../get-decision/get-decision.query.js';

export interface DecisionPage {
  items: DecisionView[];
  /** The last item's position, when there may be more; null at the end. */
  next: DecisionPosition | null;
}

/** A page of the tenant's decisions, newest first, filtered and bounded in time. */
export class ListDecisionsQuery extends Query<DecisionPage> {
  constructor(
    readonly tenantId: string,
    readonly filters: DecisionFilters,
    readonly window: { readonly from?: Date; readonly to?: Date },
    readonly after: DecisionPosition | undefined,
    readonly limit: number,
  ) {
    super();
  }
}
