import { Query } from '@nestjs/cqrs';
import type { PolicyReplaySummaryView } from '../get-policy-replay/get-policy-replay.query.js';

/** The tenant's replays, newest first, without candidates and results. */
export class ListPolicyReplaysQuery extends Query<PolicyReplaySummaryView[]> {
  constructor(
    readonly tenantId: string,
    readonly limit: number,
  ) {
    super();
  }
}
