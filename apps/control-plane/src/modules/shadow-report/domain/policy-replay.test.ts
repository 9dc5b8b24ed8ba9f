import { compilePolicy } from '@thoth/policy';
import { describe, expect, it } from 'vitest';
import { recordedCallOf, replayDecisions, REPLAY_CHANGES_LISTED } from './policy-replay.js';
import { decision, denyRule, T0, TENANT, wouldDeny } from './test-fixtures.js';

const WINDOW = { from: new Date(T0), to: new Date(T0 + 86_400_000) };
const NO_DELETES = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: candidate, version: "7"}
defaults: {effect: allow}
rules:
  - id: no-deletes
    match: {tools: ["crm.delete_*"]}
    effect: deny
  - id: big-reads
    match: {tools: ["crm.read_*"]}
    when: 'has(args.limit) && args.limit > 500'
    effect: deny
`;

function run(records: Parameters<typeof replayDecisions>[0], baseline: 'effect' | 'verdict' = 'effect') {
  const compiled = compilePolicy(NO_DELETES, { tenant: { mode: 'enforce' } });
  if (!compiled.ok) throw new Error('fixture');
  return replayDecisions(records, { window: WINDOW, baseline, policy: compiled.policy, contentHash: 'abc', format: 'yaml', boundTo: { agents: 2, credentials: 1 }, failMode: 'closed' });
}

describe('recorded decisions as replay input', () => {
  it('carries the request as the enforcer evaluated it', () => {
    const record = decision({ at: T0 + 5, requestedAt: new Date(T0 + 3), arguments: { limit: 10 }, sourceIp: '10.0.0.1', sourceRegion: '' });
    expect(recordedCallOf(record, 'effect')).toEqual({
      id: record.decisionId,
      at: T0 + 5,
      request: {
        tenantId: TENANT,
        agent: { id: 'crm-agent' },
        tool: 'crm.read_contacts',
        args: { limit: 10 },
        resource: 'crm/contacts',
        credential: { fingerprint: 'a'.repeat(64) },
        source: { ip: '10.0.0.1' },
        time: T0 + 3,
      },
      recorded: { effect: 'allow', shadow: false, ruleIds: [] },
    });
    expect(recordedCallOf(decision({ at: T0, resource: '', credentialFingerprint: '', sourceIp: '', sourceRegion: '' }), 'effect').request).toEqual({
      tenantId: TENANT,
      agent: { id: 'crm-agent' },
      tool: 'crm.read_contacts',
      args: {},
      time: T0,
    });
  });

  it('compares with what happened (effect) or with what the policy said (verdict)', () => {
    const shadowDenied = wouldDeny({ at: T0 }, denyRule('old-rule'));
    expect(recordedCallOf(shadowDenied, 'effect').recorded).toEqual({ effect: 'allow', shadow: false, ruleIds: [] });
    expect(recordedCallOf(shadowDenied, 'verdict').recorded).toEqual({ effect: 'deny', shadow: false, ruleIds: ['old-rule'] });
    const blocked = decision({ at: T0, outcome: 'deny', matchedRules: [denyRule('old-rule')] });
    expect(recordedCallOf(blocked, 'effect').recorded).toEqual({ effect: 'deny', shadow: false, ruleIds: ['old-rule'] });
  });
});

describe('replaying a window', () => {
  const records = [
    decision({ at: T0 + 1, arguments: { limit: 10 } }),
    decision({ at: T0 + 2, arguments: { limit: 900 } }),
    wouldDeny({ at: T0 + 3, tool: 'crm.delete_records' }, denyRule('old-blast-radius')),
    decision({ at: T0 + 4, tool: 'crm.delete_records' }),
    decision({ at: T0 + 5, outcome: 'deny', matchedRules: [denyRule('old-rule')], tool: 'crm.update_contact' }),
    decision({ at: T0 + 6, agentId: 'ghost', outcome: 'deny', errorCode: 'UNKNOWN_AGENT' }),
  ];

  it('lists exactly the changed decisions, per rule with examples, and skips calls no policy decided', () => {
    const r = run(records);
    expect(r.changedDecisionIds).toEqual([records[1]!.decisionId, records[2]!.decisionId, records[3]!.decisionId, records[4]!.decisionId]);
    expect(r.totals).toEqual({ recorded: 6, replayed: 5, skipped: 1, changed: 4, newlyDenied: 3, newlyAllowed: 1, denied: 3, argumentsRetained: 2 });
    expect(r.skipped).toEqual([{ errorCode: 'UNKNOWN_AGENT', calls: 1 }]);
    expect(r.byRule).toEqual([
      { ruleId: 'big-reads', newlyDenied: 1, newlyAllowed: 0, examples: [records[1]!.decisionId] },
      { ruleId: 'no-deletes', newlyDenied: 2, newlyAllowed: 0, examples: [records[2]!.decisionId, records[3]!.decisionId] },
      { ruleId: 'old-rule', newlyDenied: 0, newlyAllowed: 1, examples: [records[4]!.decisionId] },
    ]);
    expect(r.changes[0]).toEqual({
      decisionId: records[1]!.decisionId,
      agentId: 'crm-agent',
      tool: 'crm.read_contacts',
      resource: 'crm/contacts',
      decidedAt: new Date(T0 + 2).toISOString(),
      recorded: 'allow',
      replayed: 'deny',
      ruleIds: ['big-reads'],
    });
    expect(r.changes[3]).toMatchObject({ recorded: 'deny', replayed: 'allow', ruleIds: ['old-rule'] });
    expect(r.candidate).toEqual({ name: 'candidate', version: '7', policyHash: expect.stringMatching(/^sha256:/), contentHash: 'abc', format: 'yaml' });
    expect(r.notes[0]).toContain('3 of 5 calls had no retained arguments');
  });

  it('under the verdict baseline, a would-deny the candidate still denies is unchanged', () => {
    const r = run(records, 'verdict');
    expect(r.changedDecisionIds).toEqual([records[1]!.decisionId, records[3]!.decisionId, records[4]!.decisionId]);
  });

  it('describes the first changes and lists every changed id', () => {
    const many = Array.from({ length: REPLAY_CHANGES_LISTED + 20 }, (_, i) => decision({ at: T0 + i, tool: 'crm.delete_records' }));
    const r = run(many);
    expect(r.changedDecisionIds).toHaveLength(REPLAY_CHANGES_LISTED + 20);
    expect(r.changes).toHaveLength(REPLAY_CHANGES_LISTED);
  });
});
