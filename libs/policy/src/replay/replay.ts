import { decide } from '../decide/decide.js';
import { WindowState } from '../state/window-state.js';
import type { CompiledPolicy, RecordedCall, ReplayOptions, ReplayReport, ReplayRuleChange, ReplayedCall } from '../types.js';

interface RuleTally {
  newlyDenied: number;
  newlyAllowed: number;
  examples: string[];
}

/**
 * Re-decides recorded traffic under a candidate policy, in time order (stable for equal
 * times), with a fresh window state that evolves by the candidate's own decisions: a call
 * the candidate denies never happened, so it counts toward no window. Reports, per call,
 * whether it would have been blocked then and now, and per rule the changes it causes.
 */
export function replay(policy: CompiledPolicy, recorded: readonly RecordedCall[], opts: ReplayOptions = {}): ReplayReport {
  const maxExamples = opts.maxExamplesPerRule ?? 5;
  const state = new WindowState(opts.state);
  const decideOptions = { failMode: opts.failMode ?? 'closed' } as const;
  const order = recorded.map((c, i) => ({ c, i })).sort((a, b) => a.c.at - b.c.at || a.i - b.i);
  const tallies = new Map<string, RuleTally>();
  const tally = (ruleId: string): RuleTally => {
    let t = tallies.get(ruleId);
    if (t === undefined) tallies.set(ruleId, (t = { newlyDenied: 0, newlyAllowed: 0, examples: [] }));
    return t;
  };
  const calls: ReplayedCall[] = [];
  let changed = 0;
  let newlyDenied = 0;
  let newlyAllowed = 0;
  for (const { c, i } of order) {
    const decision = decide(policy, c.request, state, c.at, decideOptions);
    state.apply(decision.updates, c.at);
    const id = c.id ?? String(i);
    // A call held for approval did not run (until a person approved it): it counts as blocked.
    const replayedDeny = decision.effect !== 'allow' || decision.shadow;
    const recordedDeny = c.recorded === undefined ? undefined : c.recorded.effect !== 'allow' || c.recorded.shadow === true;
    const isChanged = recordedDeny !== undefined && recordedDeny !== replayedDeny;
    if (isChanged) {
      changed++;
      if (replayedDeny) {
        newlyDenied++;
        const denying = new Set(decision.matched.filter((m) => m.effect === 'deny' || m.effect === 'approve').map((m) => m.ruleId));
        if (denying.size === 0 && decision.error !== undefined) denying.add(decision.error.ruleId || 'error');
        for (const ruleId of denying) {
          const t = tally(ruleId);
          t.newlyDenied++;
          if (t.examples.length < maxExamples) t.examples.push(id);
        }
      } else {
        newlyAllowed++;
        const before = c.recorded?.ruleIds ?? [];
        for (const ruleId of before.length > 0 ? new Set(before) : ['(unattributed)']) {
          const t = tally(ruleId);
          t.newlyAllowed++;
          if (t.examples.length < maxExamples) t.examples.push(id);
        }
      }
    }
    const entry: ReplayedCall = { id, at: c.at, replayedDeny, decision, changed: isChanged, ...(recordedDeny === undefined ? {} : { recordedDeny }) };
    calls.push(entry);
  }
  const byRule: ReplayRuleChange[] = [...tallies.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ruleId, t]) => ({ ruleId, newlyDenied: t.newlyDenied, newlyAllowed: t.newlyAllowed, examples: t.examples }));
  return { total: recorded.length, changed, newlyDenied, newlyAllowed, calls, byRule };
}
