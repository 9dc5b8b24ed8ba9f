import type { LearnedBaseline } from '@thoth/policy';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord, RecordedRule } from '../../decisions/domain/decision-record.js';
import { countsAsNormalUse, requestOf, revisionOf, type StoredBaseline } from './baseline.js';

const stored: StoredBaseline = {
  subjectKind: 'credential',
  subjectId: 'a'.repeat(64),
  observations: 200,
  resourceClasses: ['crm/contacts'],
  regions: ['eu-west-1'],
  networks: ['10.0.0.0/24'],
  tools: ['crm.read'],
  peakPerMinute: 4,
  peakPer10Minutes: 40,
  activeHoursUtc: [8, 9],
  learnedFrom: new Date(0),
  learnedUntil: new Date(1),
  version: 3,
};
const learned = (over: Partial<LearnedBaseline['baseline']>): LearnedBaseline => ({
  firstAt: 0,
  lastAt: 1,
  baseline: {
    subject: 'credential',
    id: stored.subjectId,
    observations: 220,
    resourceClasses: ['crm/contacts'],
    regions: ['eu-west-1'],
    networks: ['10.0.0.0/24'],
    tools: ['crm.read'],
    peakPerMinute: 4,
    peakPer10Minutes: 40,
    activeHoursUtc: [8, 9],
    ...over,
  },
});

describe('which relearned baseline is recorded', () => {
  it('a first baseline is new', () => {
    expect(revisionOf(undefined, learned({ observations: 3 }), 50)).toBe('new');
  });
  it('a change to anything drift compares is recorded; more calls alone are not, until they double', () => {
    expect(revisionOf(stored, learned({ regions: ['eu-west-1', 'us-east-1'] }), 50)).toBe('changed');
    expect(revisionOf(stored, learned({ peakPer10Minutes: 41 }), 50)).toBe('changed');
    expect(revisionOf(stored, learned({ activeHoursUtc: [8, 9, 10] }), 50)).toBe('changed');
    expect(revisionOf(stored, learned({}), 50)).toBeUndefined();
    expect(revisionOf(stored, learned({ observations: 400 }), 50)).toBe('grown');
  });
  it('a baseline learned from too few calls does not replace a trusted one (an idle credential keeps its baseline)', () => {
    expect(revisionOf(stored, learned({ observations: 12, regions: ['ap-south-1'] }), 50)).toBeUndefined();
    expect(revisionOf({ ...stored, observations: 10 }, learned({ observations: 12, regions: ['ap-south-1'] }), 50)).toBe('changed');
  });
});

describe('what counts as normal use', () => {
  const rec = (over: Partial<DecisionRecord>): DecisionRecord => ({ outcome: 'allow', errorCode: '', matchedRules: [] as RecordedRule[], ...over }) as DecisionRecord;
  const drift = (effect: RecordedRule['effect']): RecordedRule => ({ ruleId: 'drift:credential:locations', reason: '', severity: 'high', kind: 'drift', effect });
  it('allowed calls without alerted or denied drift', () => {
    expect(countsAsNormalUse(rec({}))).toBe(true);
    expect(countsAsNormalUse(rec({ matchedRules: [drift('observe')] }))).toBe(true);
    expect(countsAsNormalUse(rec({ matchedRules: [drift('flag')] }))).toBe(false);
    expect(countsAsNormalUse(rec({ outcome: 'would_deny', matchedRules: [drift('deny')] }))).toBe(false);
    expect(countsAsNormalUse(rec({ outcome: 'deny' }))).toBe(false);
    expect(countsAsNormalUse(rec({ errorCode: 'EVALUATION_ERROR' }))).toBe(false);
  });
  it('reads a record back as the call it decided', () => {
    expect(requestOf(rec({ tenantId: 't', agentId: 'a', tool: 'x', resource: 'r', credentialFingerprint: '', sourceIp: '1.2.3.4', sourceRegion: '' }))).toEqual({
      tenantId: 't',
      agent: { id: 'a' },
      tool: 'x',
      args: {},
      resource: 'r',
      source: { ip: '1.2.3.4', region: '' },
    });
  });
});
