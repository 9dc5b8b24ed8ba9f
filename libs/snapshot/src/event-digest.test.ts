import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { DecisionEventSchema, Effect, Outcome, RiskTier, RuleKind, Severity, type DecisionEvent } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decisionEventDigest, generateSigningKey, publishedEventDigest, keyring, pendingReceipt, signReceipt, signReceiptBatch, signerFromSeed, verifierFromPublicKey, verifyDecisionEvent } from './index.js';

const signer = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(signer.publicKey)]);

const unsigned = (i: number): DecisionEvent =>
  create(DecisionEventSchema, {
    decisionId: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    requestId: `r${i}`,
    tenantId: '7e0a0000-0000-4000-8000-000000000001',
    agentId: 'crm-agent',
    tool: 'crm.delete_records',
    argumentsDigest: 'cd'.repeat(32),
    retainedArgumentsJson: new TextEncoder().encode('{"id":42}'),
    resource: 'crm://contacts',
    credentialFingerprint: 'ab'.repeat(32),
    source: { ip: '203.0.113.7', region: 'eu-west-1' },
    effect: Effect.DENY,
    matchedRules: [{ ruleId: 'no-deletes', reason: 'no deletes', severity: Severity.CRITICAL, kind: RuleKind.CONDITION, effect: 'deny' }],
    policyVersion: 3n,
    policyHash: 'ef'.repeat(32),
    enforcerId: 'enf-1',
    requestedAt: { seconds: 1_700_000_000n, nanos: 1 },
    decidedAt: { seconds: 1_700_000_000n, nanos: 2 + i },
    configVersion: 9n,
    riskTier: RiskTier.DESTRUCTIVE,
  });

/** What a receipt repeats of its event. */
const receiptOf = (e: DecisionEvent) => ({
  decisionId: e.decisionId,
  requestId: e.requestId,
  tenantId: e.tenantId,
  agentId: e.agentId,
  tool: e.tool,
  argumentsDigest: e.argumentsDigest,
  outcome: Outcome.DENY,
  reasons: e.matchedRules.map((m) => `${m.ruleId}: ${m.reason}`),
  policyVersion: e.policyVersion,
  policyHash: e.policyHash,
  configVersion: e.configVersion,
  enforcerId: e.enforcerId,
  ...(e.decidedAt ? { decidedAt: e.decidedAt } : {}),
});

/** Events signed as an enforcer signs them: a version 3 receipt over each one's digest, one batch. */
function signed(count: number): DecisionEvent[] {
  const events = Array.from({ length: count }, (_, i) => unsigned(i));
  const pending = events.map((e) => pendingReceipt({ ...receiptOf(e), eventDigest: decisionEventDigest(e) }, signer));
  signReceiptBatch(pending, signer);
  return events.map((e, i) => ({ ...e, receipt: pending[i]!.receipt }));
}

/** The encoding's top-level records but field 19 (the receipt), as a verifier holding the bytes cuts it. */
function withoutReceipt(bytes: Uint8Array): Uint8Array {
  const reader = new BinaryReader(bytes);
  const out: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [field, wireType] = reader.tag();
    reader.skip(wireType, field);
    if (field !== 19) out.push(bytes.subarray(start, reader.pos));
  }
  return Buffer.concat(out);
}

describe('decisionEventDigest', () => {
  it('is SHA-256 of the event encoded without its receipt, equal to the published bytes with field 19 cut out', () => {
    const [event] = signed(1);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(decisionEventDigest(event!)).toBe(sha(toBinary(DecisionEventSchema, { ...event!, receipt: undefined })));
    expect(decisionEventDigest(event!)).toBe(sha(withoutReceipt(toBinary(DecisionEventSchema, event!))));
    expect(decisionEventDigest(event!)).toBe(decisionEventDigest({ ...event!, receipt: undefined }));
  });

  it('covers a field this code does not know yet: kept as unknown by the verifier, written back in its place', () => {
    const base = toBinary(DecisionEventSchema, unsigned(0));
    // Field 40, as a later enforcer would add it additively.
    const later = new BinaryWriter().raw(base).tag(40, WireType.LengthDelimited).string('a later field').finish();
    const event = fromBinary(DecisionEventSchema, later);
    expect(createHash('sha256').update(later).digest('hex')).toBe(decisionEventDigest(event));
    expect(decisionEventDigest(event)).not.toBe(decisionEventDigest(unsigned(0)));
  });
});

describe('publishedEventDigest', () => {
  it('is the digest of the published bytes with every receipt record cut out, wherever it stands', () => {
    const [event] = signed(1) as [DecisionEvent];
    const published = toBinary(DecisionEventSchema, event);
    expect(publishedEventDigest(published)).toBe(decisionEventDigest(event));
    // A receipt record written first, or a second one appended (protobuf merges them), is cut out too.
    const receipt = new BinaryWriter().tag(19, WireType.LengthDelimited).bytes(toBinary(DecisionEventSchema, create(DecisionEventSchema, { receipt: event.receipt })).subarray(2)).finish();
    const without = toBinary(DecisionEventSchema, { ...event, receipt: undefined });
    expect(publishedEventDigest(Buffer.concat([receipt, without]))).toBe(decisionEventDigest(event));
    expect(publishedEventDigest(Buffer.concat([published, receipt]))).toBe(decisionEventDigest(event));
  });

  it('is undefined for bytes that are not a sequence of records', () => {
    const published = toBinary(DecisionEventSchema, signed(1)[0]!);
    expect(publishedEventDigest(published.subarray(0, 5))).toBeUndefined(); // inside the decision id
    expect(publishedEventDigest(Uint8Array.of(0x0a, 0x7f))).toBeUndefined();
  });

  it('lets verifyDecisionEvent skip the re-encoding, and still refuses a changed field', () => {
    const [event] = signed(1) as [DecisionEvent];
    const published = toBinary(DecisionEventSchema, event);
    expect(verifyDecisionEvent(fromBinary(DecisionEventSchema, published), trusted, published)).toEqual({ ok: true, coverage: 'event', keyId: signer.keyId });
    const forged = toBinary(DecisionEventSchema, { ...event, resource: 'crm://companies' });
    expect(verifyDecisionEvent(fromBinary(DecisionEventSchema, forged), trusted, forged)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });
});

describe('verifyDecisionEvent', () => {
  it('accepts the events of a version 3 batch, after a trip through the wire', () => {
    for (const event of signed(5)) {
      expect(verifyDecisionEvent(fromBinary(DecisionEventSchema, toBinary(DecisionEventSchema, event)), trusted)).toEqual({ ok: true, coverage: 'event', keyId: signer.keyId });
    }
  });

  it('refuses any changed field of the event, those a version 1 or 2 receipt never signed included', () => {
    const [event] = signed(1) as [DecisionEvent];
    const rule = event.matchedRules[0]!;
    const changed: Partial<DecisionEvent>[] = [
      { resource: 'crm://companies' },
      { credentialFingerprint: '00'.repeat(32) },
      { source: { ...event.source!, ip: '198.51.100.1' } },
      { requestedAt: { ...event.requestedAt!, nanos: 9 } },
      { matchedRules: [{ ...rule, severity: Severity.LOW }] },
      { matchedRules: [{ ...rule, kind: RuleKind.DRIFT }] },
      { matchedRules: [] },
      { errorCode: 'EVALUATION_ERROR' },
      { retainedArgumentsJson: new Uint8Array(0) },
      { riskTier: RiskTier.READ },
      { shadow: true },
      { tool: 'crm.read_records' },
      { tenantId: '7e0a0000-0000-4000-8000-000000000002' },
    ];
    for (const change of changed) expect(verifyDecisionEvent({ ...event, ...change }, trusted), JSON.stringify(Object.keys(change))).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
    // The receipt's own fields are signed by its batch signature.
    expect(verifyDecisionEvent({ ...event, receipt: { ...event.receipt!, eventDigest: decisionEventDigest({ ...event, resource: 'x' }) } }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(verifyDecisionEvent({ ...event, receipt: undefined }, trusted)).toMatchObject({ ok: false, code: 'NO_RECEIPT' });
    const other = keyring([verifierFromPublicKey(signerFromSeed(generateSigningKey()).publicKey)]);
    expect(verifyDecisionEvent(event, other)).toMatchObject({ ok: false, code: 'UNKNOWN_KEY' });
  });

  it('verifies a version 1 receipt as what it is: its own fields, which must be the event’s', () => {
    const event = unsigned(0);
    const receipt = signReceipt(receiptOf(event), signer);
    expect(verifyDecisionEvent({ ...event, receipt }, trusted)).toEqual({ ok: true, coverage: 'receipt', keyId: signer.keyId });
    expect(verifyDecisionEvent({ ...event, receipt, resource: 'crm://companies' }, trusted)).toMatchObject({ ok: true, coverage: 'receipt' });
    expect(verifyDecisionEvent({ ...event, receipt, effect: Effect.ALLOW }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
    expect(verifyDecisionEvent({ ...event, receipt, agentId: 'other' }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });

  it('reads a held call (REQUIRE_APPROVAL) as the outcome APPROVAL_REQUIRED in a version 1 receipt, and nothing else as it', () => {
    const event = { ...unsigned(0), effect: Effect.REQUIRE_APPROVAL };
    const receipt = signReceipt({ ...receiptOf(event), outcome: Outcome.APPROVAL_REQUIRED }, signer);
    expect(verifyDecisionEvent({ ...event, receipt }, trusted)).toEqual({ ok: true, coverage: 'receipt', keyId: signer.keyId });
    expect(verifyDecisionEvent({ ...event, receipt, effect: Effect.DENY }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
    expect(verifyDecisionEvent({ ...event, receipt, effect: Effect.ALLOW }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });
});
