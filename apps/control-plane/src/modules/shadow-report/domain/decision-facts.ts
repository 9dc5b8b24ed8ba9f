import { networkOf as policyNetworkOf } from '@thoth/policy';
import type { DecisionRecord, RecordedRule } from '../../decisions/index.js';

// What the report reads off one recorded decision: which rules blocked it, how severe, how
// destructive its tool is, how many records it touched, where it came from.

export type RecordedSeverity = RecordedRule['severity'];

export const SEVERITY_RANK: Record<RecordedSeverity, number> = { unspecified: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Blocked (deny) or would have been blocked (would_deny). */
export const isBlocked = (record: DecisionRecord): boolean => record.outcome !== 'allow';

/** The enforcer's code for a policy expression that failed at run time (the policy did decide: fail closed or open). */
export const EVALUATION_ERROR = 'EVALUATION_ERROR';

/** Refused before the policy was consulted (unknown agent, bad token, malformed arguments…): no policy decided it. */
export const isRefused = (record: DecisionRecord): boolean => record.errorCode !== '' && record.errorCode !== EVALUATION_ERROR;

/** Allowed by the policy in force, with nothing flagged as would-deny: traffic the tenant wants. */
export const isLegitimate = (record: DecisionRecord): boolean => record.outcome === 'allow' && record.errorCode === '';

/**
 * The rules that blocked a deny / would_deny decision. Recorded effects say it exactly; rules
 * without one (refusals before evaluation, events that predate the field) are blamed by
 * inference: their `default`-kind entries when there are any (the engine adds one only when
 * no rule decided), else all of them.
 */
export function blockingRules(record: DecisionRecord): { rules: readonly RecordedRule[]; attribution: 'recorded' | 'inferred' } {
  const denying = record.matchedRules.filter((r) => r.effect === 'deny');
  if (denying.length > 0) return { rules: denying, attribution: 'recorded' };
  const unrecorded = record.matchedRules.filter((r) => r.effect === '');
  const defaults = unrecorded.filter((r) => r.kind === 'default');
  return { rules: defaults.length > 0 ? defaults : unrecorded, attribution: 'inferred' };
}

/** Rules that denied or flagged a call (for an allowed call, only recorded flags count). */
export function findingRules(record: DecisionRecord): readonly RecordedRule[] {
  if (isBlocked(record)) {
    const { rules } = blockingRules(record);
    return rules.length > 0 ? rules : record.matchedRules.filter((r) => r.effect === 'flag');
  }
  return record.matchedRules.filter((r) => r.effect === 'flag' || r.effect === 'deny');
}

export function highestSeverity(rules: readonly RecordedRule[]): RecordedSeverity {
  let best: RecordedSeverity = 'unspecified';
  for (const r of rules) if (SEVERITY_RANK[r.severity] > SEVERITY_RANK[best]) best = r.severity;
  return best;
}

/** Verbs of tools that destroy or move what they touch (matched on the tool's last segment). */
export const DESTRUCTIVE_VERBS = ['delete', 'drop', 'truncate', 'destroy', 'remove', 'purge', 'wipe', 'erase', 'revoke', 'terminate', 'kill', 'reset', 'overwrite', 'transfer', 'pay', 'refund'] as const;
/** Verbs of tools that change something without destroying it. */
export const WRITE_VERBS = ['update', 'insert', 'create', 'write', 'set', 'put', 'patch', 'upsert', 'send', 'exec', 'execute', 'run', 'deploy', 'migrate', 'merge', 'push', 'import', 'grant'] as const;

export type ToolClass = 'destructive' | 'write' | 'read';

/** `crm.delete_records` → destructive: the verb is the first word (snake, kebab or camel case) of the tool's last dotted/slashed segment. */
export function toolClass(tool: string): ToolClass {
  let known = toolClasses.get(tool);
  if (known === undefined) {
    known = classify(tool);
    if (toolClasses.size < 10_000) toolClasses.set(tool, known);
  }
  return known;
}

const toolClasses = new Map<string, ToolClass>();

function classify(tool: string): ToolClass {
  const last = tool.split(/[./:]/).pop() ?? '';
  const verb = (last.split(/[_\-\s]|(?=[A-Z])/)[0] ?? '').toLowerCase();
  const is = (verbs: readonly string[]) => verbs.some((v) => verb === v || verb === `${v}s`);
  if (is(DESTRUCTIVE_VERBS)) return 'destructive';
  if (is(WRITE_VERBS)) return 'write';
  return 'read';
}

/** Records a call touches when its retained arguments say so (`ids`, `records` arrays; `count`/`limit` numbers); undefined when unknown. */
export function recordsTouched(args: unknown): number | undefined {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return undefined;
  const a = args as Record<string, unknown>;
  for (const key of ['ids', 'records', 'rows']) {
    const value = a[key];
    if (Array.isArray(value)) return value.length;
  }
  for (const key of ['count', 'limit']) {
    const value = a[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  }
  return undefined;
}

/**
 * The network a source IP belongs to, for "new location" findings: the same /24 (IPv4, and
 * IPv4-mapped IPv6) or /48 (IPv6) that drift baselines use; '' when absent or not an IP address.
 */
export function networkOf(ip: string): string {
  return policyNetworkOf(ip.trim()) ?? '';
}
