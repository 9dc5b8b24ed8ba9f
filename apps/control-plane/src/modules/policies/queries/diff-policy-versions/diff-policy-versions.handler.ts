import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { diffPolicySources, type PolicyDiff } from '../../domain/policy-diff.js';
import { PolicyError } from '../../domain/policy.errors.js';
import { PoliciesRepository } from '../../storage/policies.repository.js';
import { DiffPolicyVersionsQuery } from './diff-policy-versions.query.js';

@QueryHandler(DiffPolicyVersionsQuery)
export class DiffPolicyVersionsHandler implements IQueryHandler<DiffPolicyVersionsQuery> {
  constructor(@Inject(PoliciesRepository) private readonly policies: PoliciesRepository) {}

  async execute({ tenantId, from, to }: DiffPolicyVersionsQuery): Promise<PolicyDiff> {
    const rows = await this.policies.findVersions(tenantId, [from, to]);
    const a = rows.find((r) => r.version === from);
    const b = rows.find((r) => r.version === to);
    if (!a) throw versionNotFound(from);
    if (!b) throw versionNotFound(to);
    return diffPolicySources({ version: from, source: a.source }, { version: to, source: b.source });
  }
}

const versionNotFound = (n: number): PolicyError => new PolicyError('policy.version_not_found', 'not_found', `policy version ${n} does not exist`);
