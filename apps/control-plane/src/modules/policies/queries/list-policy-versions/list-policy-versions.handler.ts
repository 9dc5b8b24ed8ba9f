import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PoliciesRepository } from '../../storage/policies.repository.js';
import { policyVersionView, type PolicyVersionView } from '../get-policy/get-policy.query.js';
import { ListPolicyVersionsQuery } from './list-policy-versions.query.js';

@QueryHandler(ListPolicyVersionsQuery)
export class ListPolicyVersionsHandler implements IQueryHandler<ListPolicyVersionsQuery> {
  constructor(@Inject(PoliciesRepository) private readonly policies: PoliciesRepository) {}

  async execute({ tenantId }: ListPolicyVersionsQuery): Promise<PolicyVersionView[]> {
    return (await this.policies.listVersions(tenantId)).map((row) => policyVersionView(row, false));
  }
}
