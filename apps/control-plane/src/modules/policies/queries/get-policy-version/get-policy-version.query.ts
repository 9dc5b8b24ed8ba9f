import { Query } from '@nestjs/cqrs';
import type { PolicyVersionView } from '../get-policy/get-policy.query.js';

export class GetPolicyVersionQuery extends Query<PolicyVersionView & { source: string }> {
  constructor(
    readonly tenantId: string,
    readonly version: number,
  ) {
    super();
  }
}
