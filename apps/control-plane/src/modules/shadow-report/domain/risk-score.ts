import type { DecisionRecord } from '../../decisions/index.js';
import { findingRules, highestSeverity, isBlocked, recordsTouched, toolClass, type RecordedSeverity, type ToolClass } from './decision-facts.js';

/**
 * The riskiest-actions score, in points, so that a reader can redo it by hand. A call scores
 * the sum of: the severity of the worst rule that blocked or flagged it; being blocked (or
 * would-be blocked); its tool's class (by verb); how many records it touched (when its
 * arguments were retained); and, for its credential, being shared by several agents or used
 * from a location not seen in the credential's first day.
 */
export const RISK_POINTS = {
  severity: { unspecified: 0, low: 5, medium: 10, high: 25, critical: 40 } satisfies Record<RecordedSeverity, number>,
  blocked: 20,
  tool: { destructive: 20, write: 5, read: 0 } satisfies Record<ToolClass, number>,
  /** Thresholds, largest first: more than `over` records → `points`. */
  records: [
    { over: 1000, points: 15 },
    { over: 100, points: 10 },
    { over: 10, points: 5 },
  ],
  sharedCredential: 5,
  newLocation: 10,
} as const;

export interface RiskBreakdown {
  readonly severity: number;
  readonly blocked: number;
  readonly tool: number;
  readonly records: number;
  readonly credential: number;
}

export const riskTotal = (b: RiskBreakdown): number => b.severity + b.blocked + b.tool + b.records + b.credential;

/** The points a call earns on its own (everything but the credential findings, known only at the end). */
export function callRisk(record: DecisionRecord): RiskBreakdown {
  const severity = RISK_POINTS.severity[highestSeverity(findingRules(record))];
  const touched = recordsTouched(record.arguments);
  const records = touched === undefined ? 0 : (RISK_POINTS.records.find((t) => touched > t.over)?.points ?? 0);
  return {
    severity,
    blocked: isBlocked(record) ? RISK_POINTS.blocked : 0,
    tool: RISK_POINTS.tool[toolClass(record.tool)],
    records,
    credential: 0,
  };
}
