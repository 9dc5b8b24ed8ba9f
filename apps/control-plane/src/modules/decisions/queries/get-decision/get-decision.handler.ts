import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../../shared/domain/domain-error.js';
import type { DecisionRecord } from '../../domain/decision-record.js';
import { DecisionRecordsRepository } from '../../storage/decision-records.repository.js';
import { type DecisionView, GetDecisionQuery } from './get-decision.query.js';

@QueryHandler(GetDecisionQuery)
export class GetDecisionHandler implements IQueryHandler<GetDecisionQuery> {
  constructor(@Inject(DecisionRecordsRepository) private readonly decisions: DecisionRecordsRepository) {}

  async execute({ tenantId, decisionId }: GetDecisionQuery): Promise<DecisionView> {
    const record = await this.decisions.find(tenantId, decisionId);
    // Another tenant's decision is as absent as one that never was.
    if (!record) throw new DomainError('decision.not_found', 'not_found', `no decision ${decisionId} in this tenant`);
    return viewOf(record);
  }
}

export function viewOf(r: DecisionRecord): DecisionView {
  return {
    decisionId: r.decisionId,
    requestId: r.requestId,
    agentId: r.agentId,
    tool: r.tool,
    resource: r.resource,
    credentialFingerprint: r.credentialFingerprint,
    source: { ip: r.sourceIp, region: r.sourceRegion },
    outcome: r.outcome,
    shadow: r.shadow,
    matchedRules: [...r.matchedRules],
    policyVersion: r.policyVersion,
    policyHash: r.policyHash,
    configVersion: r.configVersion,
    enforcerId: r.enforcerId,
    argumentsDigest: r.argumentsDigest,
    arguments: r.arguments ?? null,
    errorCode: r.errorCode,
    requestedAt: r.requestedAt.toISOString(),
    decidedAt: r.decidedAt.toISOString(),
    receipt: r.receipt as Record<string, unknown>,
  };
}
