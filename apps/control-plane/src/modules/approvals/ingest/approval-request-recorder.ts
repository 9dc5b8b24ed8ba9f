import { Inject, Injectable } from '@nestjs/common';
import type { NewApprovalRequestRow } from '@thoth/db';
import type { Logger } from 'pino';
import type { Tx } from '../../../platform/database/tenant-database.js';
import { LOGGER } from '../../../platform/tokens.js';
import type { DecisionIngestHook, DecisionRecord } from '../../decisions/index.js';
import { MAX_APPROVAL_MS } from '../domain/approval-request.js';
import { ApprovalRequestsRepository } from '../storage/approval-requests.repository.js';

/**
 * The approval requests of newly recorded decisions (docs/approvals.md), inserted in the
 * transaction that records them. Ingestion hands hooks only decisions whose receipt verified as
 * signed by an enforcer of their tenant, so a forged request never reaches this; a request is a
 * decision that held the call (approval_required) and names itself as the request.
 */
export function approvalRequestRows(tenantId: string, records: readonly DecisionRecord[]): NewApprovalRequestRow[] {
  return records.flatMap((record) => {
    const step = record.approval;
    if (step?.kind !== 'requested' || record.outcome !== 'approval_required' || record.tenantId !== tenantId) return [];
    if (step.requestId !== record.decisionId || step.expiresAt === undefined) return [];
    const latest = record.decidedAt.getTime() + MAX_APPROVAL_MS;
    return [
      {
        tenantId,
        id: record.decisionId,
        agentId: record.agentId,
        tool: record.tool,
        argumentsDigest: record.argumentsDigest,
        resource: record.resource,
        credentialFingerprint: record.credentialFingerprint,
        arguments: record.arguments === undefined ? null : record.arguments,
        ruleIds: [...step.ruleIds],
        matchedRules: record.matchedRules,
        enforcerId: record.enforcerId,
        policyVersion: record.policyVersion,
        policyHash: record.policyHash,
        configVersion: record.configVersion,
        requestedAt: record.decidedAt,
        expiresAt: new Date(Math.min(step.expiresAt.getTime(), latest)),
        state: 'pending',
      },
    ];
  });
}

/** The decision-ingest hook of the approvals context (DECISION_INGEST_HOOKS). */
@Injectable()
export class ApprovalRequestRecorder implements DecisionIngestHook {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  async onRecorded(tx: Tx, tenantId: string, records: readonly DecisionRecord[]): Promise<void> {
    const rows = approvalRequestRows(tenantId, records);
    const unusable = records.filter((r) => r.approval?.kind === 'requested' && !rows.some((row) => row.id === r.decisionId));
    for (const record of unusable) {
      this.logger.warn({ tenantId, decisionId: record.decisionId, requestId: record.approval?.requestId }, 'approval request not recorded: it is not a held call naming itself, with an expiry');
    }
    await ApprovalRequestsRepository.insertNew(tx, rows);
  }
}
