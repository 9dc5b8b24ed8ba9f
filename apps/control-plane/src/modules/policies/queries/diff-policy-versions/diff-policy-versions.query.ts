import { Query } from '@nestjs/cqrs';
import type { PolicyDiff } from '../../domain/policy-diff.js';

export class DiffPolicyVersionsQuery extends Query<PolicyDiff> {
  constructor(
    readonly tenantId: string,
    readonly from: number,
    readonly to: number,
  ) {
    super();
  }
}
