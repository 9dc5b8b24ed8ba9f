import type { DecisionRecord } from './decision-record.js';

/**
 * A decision record for tests: crm-agent allowed to read a contact with the credential
 * 'a'×64, at `decidedAt`; `over` names what a test cares about.
 */
export function decisionRecord(over: Partial<DecisionRecord> & Pick<DecisionRecord, 'tenantId' | 'decisionId' | 'decidedAt'>): DecisionRecord {
  const { tenantId, decisionId, decidedAt, ...rest } = over;
  return {
    tenantId,
    decisionId,
    requestId: '',
    agentId: 'crm-agent',
    tool: 'crm.read_contacts',
    resource: 'crm/contacts',
    credentialFingerprint: 'a'.repeat(64),
    sourceIp: '10.20.1.7',
    sourceRegion: 'eu-west-1',
    outcome: 'allow',
    shadow: false,
    matchedRules: [],
    policyVersion: 1,
    policyHash: '',
    configVersion: 1,
    enforcerId: 'e',
    argumentsDigest: '',
    arguments: undefined,
    errorCode: '',
    requestedAt: decidedAt,
    decidedAt,
    receipt: {},
    ...rest,
  };
}
