import { replay, type CompiledPolicy, type DecisionRequest, type RecordedCall } from '@thoth/policy';
import type { DecisionOutcome, DecisionRecord } from '../../decisions/index.js';
import { blockingRules, isRefused } from './decision-facts.js';
import type { ReportWindow } from './report-window.js';

export const POLICY_REPLAY_SCHEMA_VERSION = 1;

/** Most recorded calls one replay re-decides; a window holding more is refused (policy_replay.too_many_calls). */
export const MAX_REPLAY_CALLS = 100_000;
/** Example decision ids kept per rule. */
export const REPLAY_EXAMPLES_PER_RULE = 5;
/** Changed calls described one by one (every changed id is listed in `changedDecisionIds` regardless). */
export const REPLAY_CHANGES_LISTED = 500;

/**
 * What the candidate's decisions are compared with:
 * - `effect` (default): what happened to the call — allow and would_deny went through, deny
 *   was blocked. In a shadow trial: "which calls would this policy have stopped?"
 * - `verdict`: what the policy in force decided — would_deny counts as denied. "Which
 *   decisions does this candidate change compared with the current policy?"
 */
export type ReplayBaseline = 'effect' | 'verdict';

/**
 * A recorded decision as `replay` takes it: the request as the enforcer evaluated it (agent by
 * the id it presented, tool, arguments when retained — `{}` otherwise —, resource, credential
 * fingerprint, source, client time), decided at its decision time, with its recorded outcome.
 */
export function recordedCallOf(record: DecisionRecord, baseline: ReplayBaseline): RecordedCall {
  const source = {
    ...(record.sourceIp !== '' ? { ip: record.sourceIp } : {}),
    ...(record.sourceRegion !== '' ? { region: record.sourceRegion } : {}),
  };
  const request: DecisionRequest = {
    tenantId: record.tenantId,
    agent: { id: record.agentId },
    tool: record.tool,
    args: record.arguments ?? {},
    ...(record.resource !== '' ? { resource: record.resource } : {}),
    ...(record.credentialFingerprint !== '' ? { credential: { fingerprint: record.credentialFingerprint } } : {}),
    ...(Object.keys(source).length > 0 ? { source } : {}),
    time: record.requestedAt.getTime(),
  };
  const blocked = baseline === 'effect' ? record.outcome === 'deny' : record.outcome !== 'allow';
  return {
    id: record.decisionId,
    at: record.decidedAt.getTime(),
    request,
    recorded: { effect: blocked ? 'deny' : 'allow', shadow: false, ruleIds: blocked ? blockingRules(record).rules.map((r) => r.ruleId) : [] },
  };
}

export interface ReplayChange {
  readonly decisionId: string;
  readonly agentId: string;
  readonly tool: string;
  readonly resource: string;
  readonly decidedAt: string;
  readonly recorded: DecisionOutcome;
  readonly replayed: 'allow' | 'deny';
  /** The rules that now deny it (newly denied), or that denied it then (newly allowed). */
  readonly ruleIds: readonly string[];
}

export interface PolicyReplayResult {
  readonly schemaVersion: typeof POLICY_REPLAY_SCHEMA_VERSION;
  readonly window: { readonly from: string; readonly to: string };
  readonly baseline: ReplayBaseline;
  readonly candidate: { readonly name: string; readonly version: string; readonly policyHash: string; readonly contentHash: string; readonly format: 'yaml' | 'json' };
  /** The candidate was bound to the tenant's directory and credentials of this moment, in enforce mode. */
  readonly boundTo: { readonly agents: number; readonly credentials: number; readonly mode: 'enforce' };
  readonly totals: {
    readonly recorded: number;
    readonly replayed: number;
    readonly skipped: number;
    readonly changed: number;
    readonly newlyDenied: number;
    readonly newlyAllowed: number;
    /** Replayed calls the candidate denies (changed or not). */
    readonly denied: number;
    readonly argumentsRetained: number;
  };
  /** Calls refused before evaluation (unknown agent, bad token…): no policy decided them, so none is replayed. */
  readonly skipped: readonly { readonly errorCode: string; readonly calls: number }[];
  readonly byRule: readonly { readonly ruleId: string; readonly newlyDenied: number; readonly newlyAllowed: number; readonly examples: readonly string[] }[];
  /** Every changed decision id, in decision-time order. */
  readonly changedDecisionIds: readonly string[];
  /** The first REPLAY_CHANGES_LISTED changes, described. */
  readonly changes: readonly ReplayChange[];
  readonly notes: readonly string[];
}

export interface ReplayInput {
  readonly window: ReportWindow;
  readonly baseline: ReplayBaseline;
  readonly policy: CompiledPolicy;
  readonly contentHash: string;
  readonly format: 'yaml' | 'json';
  readonly boundTo: { readonly agents: number; readonly credentials: number };
  /** The tenant's fail mode: an evaluation failure fails as the enforcer would fail it. */
  readonly failMode: 'open' | 'closed';
}

/** Re-decides the window's recorded decisions under a compiled candidate (bound to the tenant, enforce mode). */
export function replayDecisions(records: readonly DecisionRecord[], input: ReplayInput): PolicyReplayResult {
  const skipped = new Map<string, number>();
  const replayable: DecisionRecord[] = [];
  let argumentsRetained = 0;
  for (const record of records) {
    if (isRefused(record)) skipped.set(record.errorCode, (skipped.get(record.errorCode) ?? 0) + 1);
    else {
      replayable.push(record);
      if (record.arguments !== undefined) argumentsRetained++;
    }
  }
  const byId = new Map(replayable.map((r) => [r.decisionId, r]));
  const report = replay(
    input.policy,
    replayable.map((r) => recordedCallOf(r, input.baseline)),
    { maxExamplesPerRule: REPLAY_EXAMPLES_PER_RULE, failMode: input.failMode },
  );
  const changedDecisionIds: string[] = [];
  const changes: ReplayChange[] = [];
  let denied = 0;
  for (const call of report.calls) {
    if (call.replayedDeny) denied++;
    if (!call.changed) continue;
    changedDecisionIds.push(call.id);
    if (changes.length >= REPLAY_CHANGES_LISTED) continue;
    const record = byId.get(call.id)!;
    changes.push({
      decisionId: call.id,
      agentId: record.agentId,
      tool: record.tool,
      resource: record.resource,
      decidedAt: record.decidedAt.toISOString(),
      recorded: record.outcome,
      replayed: call.replayedDeny ? 'deny' : 'allow',
      ruleIds: call.replayedDeny
        ? [...new Set(call.decision.matched.filter((m) => m.effect === 'deny' || m.effect === 'approve').map((m) => m.ruleId))]
        : blockingRules(record).rules.map((r) => r.ruleId),
    });
  }
  const notes: string[] = [];
  if (argumentsRetained < replayable.length) {
    notes.push(`${replayable.length - argumentsRetained} of ${replayable.length} calls had no retained arguments; they were replayed with empty arguments ({}), so conditions on args may decide differently than they would have.`);
  }
  notes.push('The candidate is replayed in enforce mode, bound to the agent directory and credentials of now, from an empty window state at the start of the window (attempts count, as in the enforcer).');
  return {
    schemaVersion: POLICY_REPLAY_SCHEMA_VERSION,
    window: { from: input.window.from.toISOString(), to: input.window.to.toISOString() },
    baseline: input.baseline,
    candidate: { name: input.policy.name, version: input.policy.version, policyHash: input.policy.hash, contentHash: input.contentHash, format: input.format },
    boundTo: { ...input.boundTo, mode: 'enforce' },
    totals: {
      recorded: records.length,
      replayed: replayable.length,
      skipped: records.length - replayable.length,
      changed: report.changed,
      newlyDenied: report.newlyDenied,
      newlyAllowed: report.newlyAllowed,
      denied,
      argumentsRetained,
    },
    skipped: [...skipped.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([errorCode, calls]) => ({ errorCode, calls })),
    byRule: report.byRule.map((r) => ({ ruleId: r.ruleId, newlyDenied: r.newlyDenied, newlyAllowed: r.newlyAllowed, examples: [...r.examples] })),
    changedDecisionIds,
    changes,
    notes,
  };
}
