// Wire formats change only additively: bytes a v1 enforcer and SDK wrote before the proto last
// changed (libs/contracts/testdata, encoded once and never regenerated) must still decode to the
// same fields, and the event's receipt must still verify under the key it was signed with.
import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { DecideRequestSchema, DecisionEventSchema, Effect, Outcome, RiskTier, RuleKind, Severity } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keyring, verifierFromPublicKey, verifyReceipt } from './index.js';

const testdata = (name: string) => new Uint8Array(readFileSync(new URL(`../../contracts/testdata/${name}`, import.meta.url)));
const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const ARGS = '{"table":"contacts","where":{"id":42}}';
const DIGEST = createHash('sha256').update(ARGS).digest('hex');

describe('golden wire fixtures (v1)', () => {
  it('decodes a DecideRequest written before the risk tier existed', () => {
    const request = fromBinary(DecideRequestSchema, testdata('decide-request.v1.bin'));
    expect(request).toMatchObject({ requestId: 'req-golden-1', tenantId: TENANT, agentId: 'crm-agent', tool: 'crm.delete_records', resource: 'crm://contacts', credentialFingerprint: 'ab'.repeat(32) });
    expect(new TextDecoder().decode(request.argumentsJson)).toBe(ARGS);
    expect(request.source).toMatchObject({ ip: '203.0.113.7', region: 'eu-west-1' });
    expect(timestampMs(request.requestedAt!)).toBe(1_765_000_000_123);
    expect(request.riskTier).toBe(RiskTier.UNSPECIFIED);
  });

  it('decodes a complete DecisionEvent and verifies its batch-signed receipt', () => {
    const event = fromBinary(DecisionEventSchema, testdata('decision-event.v1.bin'));
    expect(event).toMatchObject({
      decisionId: '019af000-0000-7000-8000-000000000001',
      requestId: 'req-golden-1',
      tenantId: TENANT,
      agentId: 'crm-agent',
      tool: 'crm.delete_records',
      argumentsDigest: DIGEST,
      effect: Effect.DENY,
      shadow: false,
      policyVersion: 7n,
      policyHash: 'cd'.repeat(32),
      enforcerId: 'enforcer-golden',
      configVersion: 11n,
      errorCode: '',
      riskTier: RiskTier.UNSPECIFIED,
    });
    expect(new TextDecoder().decode(event.retainedArgumentsJson)).toBe(ARGS);
    expect(event.matchedRules).toEqual([expect.objectContaining({ ruleId: 'no-crm-deletes', severity: Severity.CRITICAL, kind: RuleKind.CONDITION, effect: 'deny' })]);
    const receipt = event.receipt!;
    expect(receipt).toMatchObject({ outcome: Outcome.DENY, receiptVersion: 2, batchSize: 2, batchIndex: 0, keyId: 'ed25519:cce501d7eae334c8', argumentsDigest: DIGEST });
    const trusted = keyring([verifierFromPublicKey(readFileSync(new URL('../../contracts/testdata/receipt-key.v1.pub', import.meta.url), 'utf8').trim())]);
    expect(verifyReceipt(receipt, trusted)).toEqual({ ok: true });
  });
});
