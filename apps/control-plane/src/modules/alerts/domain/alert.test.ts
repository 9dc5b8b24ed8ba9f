import { describe, expect, it } from 'vitest';
import { alertDocument, alertReasonOf, evidenceUrl } from './alert.js';
import { cefLine } from './cef.js';
import { slackMessage } from './slack-message.js';
import { decisionRecord, rule } from './test-fixtures.js';

const drift = (effect: 'deny' | 'flag' | 'observe', severity: 'unspecified' | 'critical' = 'unspecified') =>
  rule({ ruleId: 'crm-token-drift', kind: 'drift', effect, severity, reason: 'new location: 198.51.100.9 (AS64500), never seen in 30 days' });

describe('alertReasonOf: which decisions the SOC hears about', () => {
  it('alerts every block, high unless the rule says otherwise', () => {
    expect(alertReasonOf(decisionRecord())).toEqual({ kind: 'block', severity: 'high' });
    expect(alertReasonOf(decisionRecord({ matchedRules: [rule({ severity: 'critical' }), rule({ ruleId: 'x', severity: 'low' })] }))).toEqual({
      kind: 'block',
      severity: 'critical',
    });
    // A denial made before evaluation (no rule, an error code) is still a block.
    expect(alertReasonOf(decisionRecord({ matchedRules: [], errorCode: 'UNKNOWN_AGENT' }))).toEqual({ kind: 'block', severity: 'high' });
  });

  it('alerts every drift match that denied or flagged, blocked, allowed or in shadow', () => {
    expect(alertReasonOf(decisionRecord({ matchedRules: [drift('deny')] }))).toEqual({ kind: 'drift', severity: 'high' });
    expect(alertReasonOf(decisionRecord({ outcome: 'allow', matchedRules: [drift('flag')] }))).toEqual({ kind: 'drift', severity: 'medium' });
    expect(alertReasonOf(decisionRecord({ outcome: 'would_deny', shadow: true, matchedRules: [drift('deny', 'critical')] }))).toEqual({
      kind: 'drift',
      severity: 'critical',
    });
    // Blocked by a freeze while drifting: one alert, as drift (the summary lists both rules).
    expect(alertReasonOf(decisionRecord({ matchedRules: [rule({ kind: 'freeze_window' }), drift('flag')] }))?.kind).toBe('drift');
  });

  it('leaves observe-only drift, allows and shadow would-denies of other rules to the report', () => {
    expect(alertReasonOf(decisionRecord({ outcome: 'allow', matchedRules: [drift('observe')] }))).toBeUndefined();
    expect(alertReasonOf(decisionRecord({ outcome: 'allow', matchedRules: [rule({ effect: 'allow' })] }))).toBeUndefined();
    expect(alertReasonOf(decisionRecord({ outcome: 'would_deny', shadow: true }))).toBeUndefined();
  });
});

describe('alertDocument', () => {
  it('carries the decision summary, the receipt as recorded and the evidence link', () => {
    const record = decisionRecord({ decisionId: 'dec/1 2' });
    const doc = alertDocument({
      alertId: 'a1',
      record,
      reason: { kind: 'block', severity: 'high' },
      ledgerPublicUrl: 'https://ledger.example',
      now: new Date('2026-11-02T09:30:01.000Z'),
    });
    expect(doc).toMatchObject({
      type: 'thoth.alert.v1',
      alertId: 'a1',
      tenantId: record.tenantId,
      kind: 'block',
      severity: 'high',
      title: 'Blocked crm.delete_contact by crm-agent',
      createdAt: '2026-11-02T09:30:01.000Z',
      decision: {
        decisionId: 'dec/1 2',
        agentId: 'crm-agent',
        tool: 'crm.delete_contact',
        resource: 'crm/contacts',
        credentialFingerprint: 'b'.repeat(64),
        source: { ip: '203.0.113.7', region: 'eu-west-1' },
        outcome: 'deny',
        matchedRules: [{ ruleId: 'crm-no-deletes', kind: 'condition', effect: 'deny', severity: 'unspecified', reason: 'CRM deletes need a human.' }],
        decidedAt: '2026-11-02T09:30:00.001Z',
      },
      receipt: record.receipt,
      evidence: { url: 'https://ledger.example/v1/decisions/dec%2F1%202/evidence' },
    });
    expect(evidenceUrl('http://127.0.0.1:4002', 'd')).toBe('http://127.0.0.1:4002/v1/decisions/d/evidence');
  });
});

describe('approval alerts', () => {
  const held = decisionRecord({
    decisionId: 'apr-1',
    outcome: 'approval_required',
    matchedRules: [rule({ ruleId: 'refunds', effect: '', severity: 'high' })],
    approval: { kind: 'requested', requestId: 'apr-1', expiresAt: new Date('2026-11-02T10:30:00.000Z'), decidedBy: '', comment: '', ruleIds: ['refunds'] },
  });

  it('alert each request, carrying the link to its page, in every format', () => {
    expect(alertReasonOf(held)).toEqual({ kind: 'approval', severity: 'high' });
    // A step other than the request (the control plane's approval, a use) raises none.
    expect(alertReasonOf({ ...held, outcome: 'allow', approval: { ...held.approval!, kind: 'approved' } })).toBeUndefined();
    const url = 'https://thoth.example/v1/approvals/apr-1/html?token=thoth_al.x';
    const doc = alertDocument({ alertId: 'a1', record: held, reason: { kind: 'approval', severity: 'high' }, ledgerPublicUrl: 'https://ledger.example', now: new Date('2026-11-02T09:30:01.000Z'), approvalUrl: url });
    expect(doc).toMatchObject({ kind: 'approval', title: 'Approval needed: crm.delete_contact by crm-agent', approval: { requestId: 'apr-1', expiresAt: '2026-11-02T10:30:00.000Z', url } });
    expect(cefLine(doc)).toContain(`request=${url.replace(/=/g, '\\=')}`);
    expect(JSON.stringify(slackMessage(doc))).toContain(`<${url}|Approve or reject>`);
  });
});
