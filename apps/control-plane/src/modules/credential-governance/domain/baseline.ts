import type { DecisionRequest, LearnedBaseline } from '@thoth/policy';
import type { DecisionRecord } from '../../decisions/index.js';
import type { BaselineLearnedPayload } from './events/baseline-learned.event.js';

/**
 * How baselines are learned (docs/credential-governance.md): from the decisions of the last
 * `windowDays` (the whole shadow trial, then a rolling window), read `pageSize` at a time, at
 * most `maxDecisions` of them (the oldest first); a relearned baseline replaces a stored one
 * only when it is learned from at least min(stored observations, `minObservations`) calls.
 */
export const BASELINE_LEARNING = {
  windowDays: 14,
  pageSize: 5_000,
  maxDecisions: 2_000_000,
  minObservations: 50,
  maxValuesPerDimension: 256,
  maxSubjects: 100_000,
} as const;

export type BaselineSubjectKind = 'credential' | 'agent';

/** A baseline as stored (the read model of its stream). */
export interface StoredBaseline extends Omit<BaselineLearnedPayload, 'learnedFrom' | 'learnedUntil' | 'revision'> {
  readonly learnedFrom: Date;
  readonly learnedUntil: Date;
  /** Version of the subject's baseline stream. */
  readonly version: number;
}

/** Every baseline stream of a tenant is its own: tenant, subject kind and id. */
export function baselineStreamId(tenantId: string, kind: BaselineSubjectKind, subjectId: string): string {
  return `baseline-${tenantId}-${kind}-${subjectId}`;
}

/**
 * Whether a decision counts as normal use, to learn from: let through (not denied, not a
 * shadow would-deny), evaluated without error, and not a drift that was denied or alerted —
 * drift the SOC was told about is not absorbed into the baseline by the next relearn (drift
 * merely observed is).
 */
export function countsAsNormalUse(r: DecisionRecord): boolean {
  if (r.outcome !== 'allow' || r.errorCode !== '') return false;
  return !r.matchedRules.some((m) => m.kind === 'drift' && (m.effect === 'deny' || m.effect === 'flag'));
}

/** The call a decision record was about, as the policy engine's learner reads it. */
export function requestOf(r: DecisionRecord): DecisionRequest {
  return {
    tenantId: r.tenantId,
    agent: { id: r.agentId },
    tool: r.tool,
    args: {},
    resource: r.resource,
    ...(r.credentialFingerprint !== '' ? { credential: { fingerprint: r.credentialFingerprint } } : {}),
    source: { ip: r.sourceIp, region: r.sourceRegion },
  };
}

const sameList = (a: readonly (string | number)[], b: readonly (string | number)[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Whether a relearned baseline is recorded, and as what: `new` (nothing stored), `changed`
 * (something a drift check compares differs), `grown` (same checks, learned from at least
 * twice the calls: recorded so a policy's minObservations is met eventually without an event
 * on every relearn). Undefined: keep the stored one — nothing material changed, or the new one
 * is learned from too few calls to replace it (an idle credential keeps its baseline).
 */
export function revisionOf(stored: StoredBaseline | undefined, learned: LearnedBaseline, minObservations: number): BaselineLearnedPayload['revision'] | undefined {
  if (stored === undefined) return 'new';
  const b = learned.baseline;
  if (b.observations < Math.min(stored.observations, minObservations)) return undefined;
  const changed =
    !sameList(stored.resourceClasses, b.resourceClasses ?? []) ||
    !sameList(stored.regions, b.regions ?? []) ||
    !sameList(stored.networks, b.networks ?? []) ||
    !sameList(stored.tools, b.tools ?? []) ||
    !sameList(stored.activeHoursUtc, b.activeHoursUtc ?? []) ||
    stored.peakPerMinute !== (b.peakPerMinute ?? 0) ||
    stored.peakPer10Minutes !== (b.peakPer10Minutes ?? 0);
  if (changed) return 'changed';
  return b.observations >= 2 * stored.observations ? 'grown' : undefined;
}

/** The event payload of a learned baseline. */
export function learnedPayload(learned: LearnedBaseline, revision: BaselineLearnedPayload['revision']): BaselineLearnedPayload {
  const b = learned.baseline;
  return {
    subjectKind: b.subject,
    subjectId: b.id,
    observations: b.observations,
    resourceClasses: b.resourceClasses ?? [],
    regions: b.regions ?? [],
    networks: b.networks ?? [],
    tools: b.tools ?? [],
    peakPerMinute: b.peakPerMinute ?? 0,
    peakPer10Minutes: b.peakPer10Minutes ?? 0,
    activeHoursUtc: b.activeHoursUtc ?? [],
    learnedFrom: new Date(learned.firstAt).toISOString(),
    learnedUntil: new Date(learned.lastAt).toISOString(),
    revision,
  };
}
