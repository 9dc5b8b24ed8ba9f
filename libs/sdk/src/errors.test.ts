import { describe, expect, it } from 'vitest';
import type { MatchedRuleInfo } from './client/decision.js';
import { ThothDeniedError, ThothUnavailableError, deniedMessage } from './errors.js';

const freeze: MatchedRuleInfo = { ruleId: 'code-freeze', reason: 'Deletes are frozen until 2026-12-01.', kind: 'freeze_window', severity: 'high' };
const limit: MatchedRuleInfo = { ruleId: 'crm-delete-blast-radius', reason: 'one call touches 1206 records; at most 100 per call', kind: 'blast_radius', severity: 'critical' };

describe('denial messages, written for the model', () => {
  it('names the tool, the rule and its reason, and says not to retry', () => {
    expect(deniedMessage('crm.delete_records', [freeze], '', '')).toBe(
      'Thoth blocked crm.delete_records: rule code-freeze — Deletes are frozen until 2026-12-01. Do not retry while the freeze lasts; ask a human.',
    );
  });

  it('lists several rules and warns against splitting a bulk call under a limit', () => {
    const message = deniedMessage('crm.delete_records', [limit, freeze], '', '');
    expect(message).toBe(
      'Thoth blocked crm.delete_records: rules crm-delete-blast-radius — one call touches 1206 records; at most 100 per call; code-freeze — Deletes are frozen until 2026-12-01. Do not retry, and do not split it into smaller calls to get under the limit; ask a human.',
    );
  });

  it('tells a suspended agent to stop', () => {
    const kill: MatchedRuleInfo = { ruleId: 'agent-status', reason: 'agent crm-agent is suspended', kind: 'kill_switch', severity: 'critical' };
    expect(deniedMessage('crm.read', [kill], '', '')).toBe('Thoth blocked crm.read: rule agent-status — agent crm-agent is suspended. This agent is suspended: stop making tool calls and ask a human.');
  });

  it('caps the rules it lists', () => {
    const rules = Array.from({ length: 5 }, (_, i): MatchedRuleInfo => ({ ruleId: `r${i}`, reason: `reason ${i}`, kind: 'condition', severity: 'high' }));
    const message = deniedMessage('t', rules, '', '');
    expect(message).toContain('r0 — reason 0; r1 — reason 1; r2 — reason 2 (and 2 more). Do not retry; ask a human.');
    expect(message).not.toContain('r3');
  });

  it('says a refused request is a configuration problem, not a policy decision', () => {
    const error = new ThothDeniedError({
      tool: 'crm.delete_records',
      decisionId: 'd-1',
      requestId: 'r-1',
      matchedRules: [{ ruleId: 'request.unauthenticated', reason: 'no agent of this tenant holds this token', kind: 'default', severity: 'high' }],
      errorCode: 'UNAUTHENTICATED',
      errorMessage: 'no agent of this tenant holds this token',
    });
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toBe(
      'Thoth refused to check crm.delete_records (UNAUTHENTICATED: no agent of this tenant holds this token), so it was not run. This is a configuration problem, not something a retry fixes; ask a human.',
    );
  });

  it('carries the typed fields', () => {
    const error = new ThothDeniedError({ tool: 'crm.delete_records', decisionId: 'd-1', requestId: 'r-1', matchedRules: [freeze, limit] });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ThothDeniedError');
    expect(error.code).toBe('DENIED');
    expect(error.reasons).toEqual(['code-freeze: Deletes are frozen until 2026-12-01.', 'crm-delete-blast-radius: one call touches 1206 records; at most 100 per call']);
    expect(error.receipt).toBeUndefined();
  });

  it('explains an unavailable enforcer by risk', () => {
    const destructive = new ThothUnavailableError({ tool: 'crm.delete_records', risk: 'destructive', requestId: 'r', code: 'UNAVAILABLE', detail: 'No connection established.', attempts: 3 });
    expect(destructive.message).toBe(
      'crm.delete_records was not run: the Thoth enforcer could not be reached (UNAVAILABLE: No connection established) and destructive tools never run unchecked. Nothing was changed. You may try again later; if it keeps failing, ask a human.',
    );
    const write = new ThothUnavailableError({ tool: 'crm.update', risk: 'write', requestId: 'r', code: 'DEADLINE_EXCEEDED', detail: '', attempts: 1 });
    expect(write.message).toBe('crm.update was not run: the Thoth enforcer did not answer in time (DEADLINE_EXCEEDED) and this write tool is set to fail closed. Nothing was changed. You may try again later; if it keeps failing, ask a human.');
  });

  it('says why a call presenting an approval was refused, by its code', () => {
    const rule: MatchedRuleInfo = { ruleId: 'approval:req-1', reason: 'approval request req-1 was rejected by key:k-1', kind: 'approval', severity: 'high' };
    expect(deniedMessage('db.delete_rows', [rule], 'APPROVAL_REJECTED', rule.reason)).toBe(
      'Thoth blocked db.delete_rows: rule approval:req-1 — approval request req-1 was rejected by key:k-1. A person rejected this call: do not retry it or work around it; ask a human.',
    );
    expect(deniedMessage('db.delete_rows', [rule], 'APPROVAL_MISMATCH', '')).toMatch(/given for a call with other arguments, not this one/);
    expect(deniedMessage('db.delete_rows', [rule], 'APPROVAL_USED', '')).toMatch(/each approval lets one call through once/);
  });
});
