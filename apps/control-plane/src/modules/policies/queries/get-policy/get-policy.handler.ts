import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PolicyError } from '../../domain/policy.errors.js';
import { PoliciesRepository } from '../../storage/policies.repository.js';
import { GetPolicyQuery, policyView, type PolicyView } from './get-policy.query.js';

@QueryHandler(GetPolicyQuery)
export class GetPolicyHandler implements IQueryHandler<GetPolicyQuery> {
  constructor(@Inject(PoliciesRepository) private readonly policies: PoliciesRepository) {}

  async execute({ tenantId }: GetPolicyQuery): Promise<PolicyView> {
    const found = await this.policies.findCurrent(tenantId);
    if (!found) throw new PolicyError('policy.not_found', 'not_found', 'no policy has been published yet');
    return policyView(found.policy, found.current);
  }
}
