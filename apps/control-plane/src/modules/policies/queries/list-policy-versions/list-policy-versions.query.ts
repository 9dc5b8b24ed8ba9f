import { Query } from '@nestjs/cqrs';
import type { PolicyVersionView } from '../get-policy/get-policy.query.js';

/** Every version, oldest first, without sources. */
export class ListPolicyVersionsQuery extends Query<PolicyVersionView[]> {
  constructor(readonly tenantId: string) {
    super();
  }
}
