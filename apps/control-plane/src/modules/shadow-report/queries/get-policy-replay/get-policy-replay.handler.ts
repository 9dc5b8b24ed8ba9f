import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ShadowReportError } from '../../domain/shadow-report.errors.js';
import { PolicyReplaysRepository } from '../../storage/policy-replays.repository.js';
import { GetPolicyReplayQuery, policyReplayView, type PolicyReplayView } from './get-policy-replay.query.js';

@QueryHandler(GetPolicyReplayQuery)
export class GetPolicyReplayHandler implements IQueryHandler<GetPolicyReplayQuery> {
  constructor(@Inject(PolicyReplaysRepository) private readonly replays: PolicyReplaysRepository) {}

  async execute({ tenantId, replayId }: GetPolicyReplayQuery): Promise<PolicyReplayView> {
    const row = await this.replays.find(tenantId, replayId);
    if (!row) throw new ShadowReportError('policy_replay.not_found', 'not_found', 'no such policy replay');
    return policyReplayView(row);
  }
}
