import { Query } from '@nestjs/cqrs';
import type { DecisionOutcome, RecordedRule } from '../../domain/decision-record.js';

/** One decision as the API answers it. */
export interface DecisionView {
  decisionId: string;
  requestId: string;
  agentId: string;
  tool: string;
  resource: string;
  credentialFingerprint: string;
  source: { ip: string; region: string };
  outcome: DecisionOutcome;
  shadow: boolean;
  matchedRules: RecordedRule[];
  policyVersion: number;
  policyHash: string;
  configVersion: number;
  enforcerId: string;
  argumentsDigest: string;
  arguments: unknown;
  errorCode: string;
  requestedAt: string;
  decidedAt: string;
  receipt: Record<string, unknown>;
}

export class GetDecisionQuery extends Query<DecisionView> {
  constructor(
    readonly tenantId: string,
    readonly decisionId: string,
  ) {
    super();
  }
}
