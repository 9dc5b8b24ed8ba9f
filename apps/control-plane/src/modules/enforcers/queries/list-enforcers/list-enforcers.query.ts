import { Query } from '@nestjs/cqrs';
import type { EnforcerView } from '../get-enforcer/get-enforcer.query.js';

export class ListEnforcersQuery extends Query<EnforcerView[]> {
  constructor(readonly tenantId: string) {
    super();
  }
}
