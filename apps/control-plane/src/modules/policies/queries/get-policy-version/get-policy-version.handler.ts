import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PolicyError } from '../../domain/policy.errors.js';
import { PoliciesRepository } from '../../storage/policies.repository.js';
import { policyVersionView, type PolicyVersionView } from '../get-policy/get-policy.query.js';
import { GetPolicyVersionQuery } from './get-policy-version.query.js';

@QueryHandler(GetPolicyVersionQuery)
export class GetPolicyVersionHandler implements IQueryHandler<GetPolicyVersionQuery> {
  constructor(@Inject(PoliciesRepository) private readonly policies: PoliciesRepository) {}

  async execute({ tenantId, version }: GetPolicyVersionQuery): Promise<PolicyVersionView & { source: string }> {
    const [row] = await this.policies.findVersions(tenantId, [version]);
    if (!row) throw new PolicyError('policy.version_not_found', 'not_found', `policy version ${version} does not exist`);
    return { ...policyVersionView(row, true), source: row.source };
  }
}
