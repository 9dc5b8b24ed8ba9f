import { Query } from '@nestjs/cqrs';
import type { PolicyReplayRow } from '@thoth/db';
import type { PolicyReplayResult } from '../../domain/policy-replay.js';
import type { PolicyReplaySummaryRow } from '../../storage/policy-replays.repository.js';

export interface PolicyReplaySummaryView {
  readonly id: string;
  readonly window: { readonly from: string; readonly to: string };
  readonly requestedAt: string;
  readonly requestedBy: string;
  readonly candidate: { readonly format: 'yaml' | 'json'; readonly contentHash: string };
  readonly calls: number;
  readonly changed: number;
}

export interface PolicyReplayView extends PolicyReplaySummaryView {
  readonly result: PolicyReplayResult;
}

export class GetPolicyReplayQuery extends Query<PolicyReplayView> {
  constructor(
    readonly tenantId: string,
    readonly replayId: string,
  ) {
    super();
  }
}

export function policyReplaySummaryView(row: PolicyReplaySummaryRow): PolicyReplaySummaryView {
  return {
    id: row.replayId,
    window: { from: row.windowFrom.toISOString(), to: row.windowTo.toISOString() },
    requestedAt: row.requestedAt.toISOString(),
    requestedBy: row.requestedBy,
    candidate: { format: row.candidateFormat, contentHash: row.candidateHash },
    calls: row.calls,
    changed: row.changed,
  };
}

export const policyReplayView = (row: PolicyReplayRow): PolicyReplayView => ({ ...policyReplaySummaryView(row), result: row.result as PolicyReplayResult });
