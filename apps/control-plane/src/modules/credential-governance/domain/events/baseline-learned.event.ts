import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface BaselineLearnedPayload {
  readonly subjectKind: 'credential' | 'agent';
  /** Credential fingerprint (bare lowercase hex) or agent id as policies name it. */
  readonly subjectId: string;
  readonly observations: number;
  readonly resourceClasses: readonly string[];
  readonly regions: readonly string[];
  readonly networks: readonly string[];
  readonly tools: readonly string[];
  readonly peakPerMinute: number;
  readonly peakPer10Minutes: number;
  readonly activeHoursUtc: readonly number[];
  /** First and last call it was learned from (ISO). */
  readonly learnedFrom: string;
  readonly learnedUntil: string;
  /** new: first baseline of the subject; changed: what drift checks changed; grown: learned from at least twice as many calls. */
  readonly revision: 'new' | 'changed' | 'grown';
}

/** A subject's baseline was (re)learned from recorded decisions; enforcers check drift against the latest. */
export class BaselineLearned extends DomainEventClass('baseline.learned')<BaselineLearnedPayload> {}
