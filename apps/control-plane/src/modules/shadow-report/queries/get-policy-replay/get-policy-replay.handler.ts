import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { found } from '../../../../shared/domain/domain-error.js';
import { policyReplayNotFound } from '../../domain/shadow-report.errors.js';
import { PolicyReplaysRepository } from '../../storage/policy-replays.repository.js';
import { GetPolicyReplayQuery, policyReplayView, type PolicyReplayView } from './get-policy-replay.query.js';

@QueryHandler(GetPolicyReplayQuery)
export class GetPolicyReplayHandler implements IQueryHandler<GetPolicyReplayQuery> {
  constructor(@Inject(PolicyReplaysRepository) private readonly replays: PolicyReplaysRepository) {}

  async execute({ tenantId, replayId }: GetPolicyReplayQuery): Promise<PolicyReplayView> {
    return policyReplayView(found(await this.replays.find(tenantId, replayId), policyReplayNotFound));
  }
}
