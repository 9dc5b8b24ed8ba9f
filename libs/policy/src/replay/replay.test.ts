import { describe, expect, it } from 'vitest';
import crmPolicy from '../../examples/crm-guardrails.policy.yaml?raw';
import { compilePolicy, replay, type CompiledPolicy, type DecisionRequest, type RecordedCall } from '../index.js';

const START = Date.UTC(2025, 6, 22, 17, 0, 0);

function compile(text: string): CompiledPolicy {
  const r = compilePolicy(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

const call = (tool: string, id: number): DecisionRequest => ({ tenantId: 'acme', agent: { id: 'crm-agent' }, tool, args: { ids: [id] }, resource: 'crm/executives' });

describe('replay', () => {
  // What happened with no policy in the way: every call allowed.
  const recorded: RecordedCall[] = [
    ...Array.from({ length: 60 }, (_, i) => ({ id: `del-${i}`, at: START + i * 1_000, request: call('crm.delete_records', i), recorded: { effect: 'allow' as const } })),
    ...Array.from({ length: 20 }, (_, i) => ({ id: `ins-${i}`, at: START + 60_000 + i * 1_000, request: call('crm.insert_records', i), recorded: { effect: 'allow' as const } })),
    { id: 'read', at: START + 90_000, request: call('crm.read_records', 1), recorded: { effect: 'deny' as const, ruleIds: ['old-read-ban'] } },
  ];

  it('says which recorded calls a candidate policy changes, rule by rule', () => {
    const report = replay(compile(crmPolicy), [...recorded].reverse(), { maxExamplesPerRule: 3 });
    expect(report).toMatchObject({ total: 81, changed: 31, newlyDenied: 30, newlyAllowed: 1 });
    expect(report.byRule).toEqual([
      { ruleId: 'crm-delete-blast-radius', newlyDenied: 10, newlyAllowed: 0, examples: ['del-50', 'del-51', 'del-52'] },
      { ruleId: 'crm-fabrication', newlyDenied: 20, newlyAllowed: 0, examples: ['ins-0', 'ins-1', 'ins-2'] },
      { ruleId: 'old-read-ban', newlyDenied: 0, newlyAllowed: 1, examples: ['read'] },
    ]);
    // In time order, whatever order they came in.
    expect(report.calls[0]?.id).toBe('del-0');
    expect(report.calls[50]).toMatchObject({ id: 'del-50', recordedDeny: false, replayedDeny: true, changed: true });
    expect(report.calls[50]?.decision.matched[0]?.ruleId).toBe('crm-delete-blast-radius');
  });

  it('counts a shadow policy’s would-deny as a block, and leaves unrecorded outcomes unchanged', () => {
    const shadow = compile(crmPolicy.replace('mode: enforce', 'mode: shadow'));
    const report = replay(shadow, recorded.map(({ recorded: _r, ...c }) => c));
    expect(report.changed).toBe(0);
    expect(report.calls.filter((c) => c.replayedDeny)).toHaveLength(10 + 20);
    expect(report.calls.every((c) => c.recordedDeny === undefined && c.decision.effect === 'allow')).toBe(true);
  });
});
