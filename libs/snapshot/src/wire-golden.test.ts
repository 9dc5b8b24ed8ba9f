// Wire formats change only additively: bytes a v1 enforcer and SDK wrote before the proto last
// changed (libs/contracts/testdata, encoded once and never regenerated) must still decode to the
// same fields, and the event's receipt must still verify under the key it was signed with.
import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { ApprovalStep_Kind, DecideRequestSchema, DecideResponseSchema, DecisionEventSchema, Effect, Outcome, RiskTier, RuleKind, Severity, SignedSnapshotSchema } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decisionEventDigest, judgeDecisionEvent, keyring, openReceiptKeyRecord, openSnapshot, publicKeyBase64, publishedEventDigest, TenantReceiptKeys, verifierFromPublicKey, verifyDecisionEvent, verifyReceipt } from './index.js';

const testdata = (name: string) => new Uint8Array(readFileSync(new URL(`../../contracts/testdata/${name}`, import.meta.url)));
const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const ARGS = '{"table":"contacts","where":{"id":42}}';
const DIGEST = createHash('sha256').update(ARGS).digest('hex');
const keyOf = (name: string) => keyring([verifierFromPublicKey(readFileSync(new URL(`../../contracts/testdata/${name}`, import.meta.url), 'utf8').trim())]);

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
    const trusted = keyOf('receipt-key.v1.pub');
    expect(verifyReceipt(receipt, trusted)).toEqual({ ok: true });
    // Verified as what it is: the receipt's own fields, which the event repeats; not its resource.
    expect(verifyDecisionEvent(event, trusted)).toEqual({ ok: true, coverage: 'receipt', keyId: 'ed25519:cce501d7eae334c8' });
    expect(verifyDecisionEvent({ ...event, resource: 'crm://companies' }, trusted)).toMatchObject({ ok: true, coverage: 'receipt' });
    expect(verifyDecisionEvent({ ...event, tool: 'crm.read_records' }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });
});

describe('golden wire fixtures (receipt version 3)', () => {
  it('decodes a complete DecisionEvent whose receipt signs the whole event, and verifies it', () => {
    const event = fromBinary(DecisionEventSchema, testdata('decision-event.receipt-v3.bin'));
    expect(event).toMatchObject({
      decisionId: '019af000-0000-7000-8000-000000000302',
      tenantId: TENANT,
      resource: 'crm://contacts',
      credentialFingerprint: 'ab'.repeat(32),
      errorCode: 'EVALUATION_ERROR',
      riskTier: RiskTier.DESTRUCTIVE,
      configVersion: 11n,
    });
    expect(event.source).toMatchObject({ ip: '203.0.113.7', region: 'eu-west-1' });
    expect(event.matchedRules).toEqual([expect.objectContaining({ ruleId: 'no-crm-deletes', severity: Severity.CRITICAL, kind: RuleKind.CONDITION })]);
    const receipt = event.receipt!;
    const digest = 'ec215d794f30c336b9e9cbc379f5c971056633ddc298cc0e86a681f07f213913';
    expect(receipt).toMatchObject({ receiptVersion: 3, batchSize: 3, batchIndex: 1, keyId: 'ed25519:e9d935268cbc135b', eventDigest: digest });
    expect(decisionEventDigest(event)).toBe(digest);
    const trusted = keyOf('receipt-key.receipt-v3.pub');
    expect(verifyReceipt(receipt, trusted)).toEqual({ ok: true });
    expect(verifyDecisionEvent(event, trusted)).toEqual({ ok: true, coverage: 'event', keyId: 'ed25519:e9d935268cbc135b' });
    expect(verifyDecisionEvent({ ...event, resource: 'crm://companies' }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });

  it('decodes a DecisionEvent carrying window updates, verifies it, and its receipt covers the updates', () => {
    const bytes = testdata('decision-event.window-updates.bin');
    const event = fromBinary(DecisionEventSchema, bytes);
    expect(event).toMatchObject({ decisionId: '019af000-0000-7000-8000-000000000401', tenantId: TENANT, enforcerId: 'edge-a', riskTier: RiskTier.DESTRUCTIVE });
    expect(event.windowUpdates.map((u) => [u.key, u.windowMs, u.calls, u.records])).toEqual([
      [`L\u0000deletes\u0000${TENANT}\u0000crm-agent`, 600_000n, 1, 4n],
      [`S\u0000fabrication\u0000${TENANT}`, 600_000n, 1, 0n],
    ]);
    const digest = 'a43e62b3c90d14fe0929b5571aacf2a7f73ed5fd5782dbc28b4c8a5a86612a52';
    expect(event.receipt).toMatchObject({ receiptVersion: 3, batchSize: 2, batchIndex: 0, keyId: 'ed25519:79fb38ef414ebed5', eventDigest: digest });
    const trusted = keyOf('receipt-key.window-updates.pub');
    expect(verifyDecisionEvent(event, trusted)).toEqual({ ok: true, coverage: 'event', keyId: 'ed25519:79fb38ef414ebed5' });
    expect(verifyDecisionEvent(event, trusted, bytes)).toEqual({ ok: true, coverage: 'event', keyId: 'ed25519:79fb38ef414ebed5' });
    // A peer folds what the receipt covers: one more record claimed breaks it.
    const inflated = { ...event, windowUpdates: [{ ...event.windowUpdates[0]!, records: 400n }, event.windowUpdates[1]!] };
    expect(verifyDecisionEvent(inflated, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });
});

describe('golden wire fixtures (approvals, docs/approvals.md)', () => {
  const APPROVAL = '019af000-0000-7000-8000-000000000501';
  const REFUND = createHash('sha256').update('{"amount":900,"order":"o-1"}').digest('hex');
  const trusted = () => keyOf('receipt-key.approval.pub');

  it('decodes a DecideRequest presenting an approval', () => {
    const request = fromBinary(DecideRequestSchema, testdata('decide-request.approval.bin'));
    expect(request).toMatchObject({ requestId: 'req-golden-approval-2', tenantId: TENANT, agentId: 'billing-agent', tool: 'payments.refund', riskTier: RiskTier.WRITE, approvalId: APPROVAL });
  });

  it('decodes an approval request (REQUIRE_APPROVAL, KIND_REQUESTED) and verifies that its receipt covers the step', () => {
    const event = fromBinary(DecisionEventSchema, testdata('decision-event.approval.bin'));
    expect(event).toMatchObject({ decisionId: APPROVAL, effect: Effect.REQUIRE_APPROVAL, argumentsDigest: REFUND, riskTier: RiskTier.WRITE });
    expect(new TextDecoder().decode(event.retainedArgumentsJson)).toBe('{"amount":900,"order":"o-1"}');
    expect(event.matchedRules).toEqual([expect.objectContaining({ ruleId: 'big-refunds', kind: RuleKind.CONDITION, effect: 'approve' })]);
    expect(event.approval).toMatchObject({ kind: ApprovalStep_Kind.REQUESTED, requestId: APPROVAL, ruleIds: ['big-refunds'], decidedBy: '' });
    expect(timestampMs(event.approval!.expiresAt!) - timestampMs(event.decidedAt!)).toBe(1_800_000);
    const digest = 'f6c4ea974ec46d70ef8fe78d29bf69dee9e31c26e5dcb2217ca104c9cf8aad9b';
    expect(event.receipt).toMatchObject({ outcome: Outcome.APPROVAL_REQUIRED, receiptVersion: 3, batchSize: 2, batchIndex: 0, keyId: 'ed25519:4b7a796a113cf6e0', eventDigest: digest });
    expect(decisionEventDigest(event)).toBe(digest);
    expect(verifyDecisionEvent(event, trusted())).toEqual({ ok: true, coverage: 'event', keyId: 'ed25519:4b7a796a113cf6e0' });
    const later = { ...event, approval: { ...event.approval!, expiresAt: { ...event.approval!.expiresAt!, seconds: event.approval!.expiresAt!.seconds + 86_400n } } };
    expect(verifyDecisionEvent(later, trusted())).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });

  it('decodes the call that used it (ALLOW on approval:<id>, KIND_USED) and verifies it', () => {
    const event = fromBinary(DecisionEventSchema, testdata('decision-event.approval-used.bin'));
    expect(event).toMatchObject({ decisionId: '019af000-0000-7000-8000-000000000502', effect: Effect.ALLOW, argumentsDigest: REFUND });
    expect(event.matchedRules[1]).toMatchObject({ ruleId: `approval:${APPROVAL}`, kind: RuleKind.APPROVAL, effect: 'allow', severity: Severity.LOW });
    expect(event.approval).toMatchObject({ kind: ApprovalStep_Kind.USED, requestId: APPROVAL, decidedBy: 'user:alice@example.com' });
    const digest = 'be96df9cbca4561d696741e05f84c67ee509e20c656f8922daa1bb53045a4c5d';
    expect(event.receipt).toMatchObject({ outcome: Outcome.ALLOW, receiptVersion: 3, batchSize: 2, batchIndex: 1, eventDigest: digest });
    expect(verifyDecisionEvent(event, trusted())).toEqual({ ok: true, coverage: 'event', keyId: 'ed25519:4b7a796a113cf6e0' });
    expect(verifyDecisionEvent({ ...event, approval: { ...event.approval!, decidedBy: 'user:mallory' } }, trusted())).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });
});

describe('golden wire fixtures (trace context, docs/telemetry.md)', () => {
  it('decodes a DecisionEvent carrying trace_parent, verifies it, and its receipt covers the trace context', () => {
    const bytes = testdata('decision-event.trace-parent.bin');
    const event = fromBinary(DecisionEventSchema, bytes);
    expect(event).toMatchObject({ decisionId: '019af000-0000-7000-8000-000000000601', tenantId: TENANT, tool: 'crm.read_contacts', effect: Effect.ALLOW, riskTier: RiskTier.READ });
    expect(event.traceParent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const digest = '19541b7f76b9ee9fce0739e583b9287743c057ecf7f47f1bea17779a69460e9e';
    expect(event.receipt).toMatchObject({ receiptVersion: 3, batchSize: 2, batchIndex: 0, keyId: 'ed25519:9152eb68fb60770f', eventDigest: digest });
    expect(decisionEventDigest(event)).toBe(digest);
    // What a verifier that predates the field computes: the bytes with the receipt cut out, whatever it knows of the rest.
    expect(publishedEventDigest(bytes)).toBe(digest);
    const trusted = keyOf('receipt-key.trace-parent.pub');
    expect(verifyDecisionEvent(event, trusted)).toEqual({ ok: true, coverage: 'event', keyId: 'ed25519:9152eb68fb60770f' });
    expect(verifyDecisionEvent(event, trusted, bytes)).toEqual({ ok: true, coverage: 'event', keyId: 'ed25519:9152eb68fb60770f' });
    // A trace context swapped on the way (another trace, or none) breaks the receipt.
    expect(verifyDecisionEvent({ ...event, traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
    expect(verifyDecisionEvent({ ...event, traceParent: '' }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
  });
});

// Bytes the previous release wrote (README.md, "Previous versions"): decoded, verified and judged
// by today's code. Judged: an enforcer of a release before key announcements signed with a key no
// registration announced, so today's rule quarantines its decisions (receipt.unknown_key), and
// one announced key signing a receipt of an older version is a downgrade (receipt.downgraded).
describe('golden wire fixtures (previous versions)', () => {
  const PREVIOUS_TENANT = '7e0a0000-0000-4000-8000-00000000601d';
  const announced = (name: string, instanceId: string) => {
    const verifier = verifierFromPublicKey(readFileSync(new URL(`../../contracts/testdata/${name}`, import.meta.url), 'utf8').trim());
    return TenantReceiptKeys.of([{ keyId: verifier.keyId, publicKey: publicKeyBase64(verifier), instanceId }]);
  };

  it('decodes a version 1 receipt (6e56d9b: one signature per receipt, no version field), verifies it, and judges it', () => {
    const event = fromBinary(DecisionEventSchema, testdata('decision-event.receipt-v1.bin'));
    expect(event).toMatchObject({ decisionId: '019ab0a2-0700-73f4-b1fe-02f49a990aa2', tenantId: PREVIOUS_TENANT, tool: 'db.drop_table', effect: Effect.DENY, enforcerId: 'enforcer-receipt-v1' });
    expect(event.receipt).toMatchObject({ receiptVersion: 0, batchSize: 0, keyId: 'ed25519:adc415ace0dfecee', outcome: Outcome.DENY });
    const trusted = keyOf('receipt-key.receipt-v1.pub');
    expect(verifyReceipt(event.receipt!, trusted)).toEqual({ ok: true });
    expect(verifyDecisionEvent(event, trusted)).toEqual({ ok: true, coverage: 'receipt', keyId: 'ed25519:adc415ace0dfecee' });
    expect(verifyDecisionEvent({ ...event, effect: Effect.ALLOW }, trusted)).toMatchObject({ ok: false, code: 'EVENT_MISMATCH' });
    expect(judgeDecisionEvent(event, TenantReceiptKeys.NONE)).toMatchObject({ ok: false, code: 'receipt.unknown_key' });
    expect(judgeDecisionEvent(event, announced('receipt-key.receipt-v1.pub', 'enforcer-receipt-v1'))).toMatchObject({ ok: false, code: 'receipt.downgraded' });
  });

  it('judges the version 2 receipt of decision-event.v1.bin as the ledger and the control plane do', () => {
    const bytes = testdata('decision-event.v1.bin');
    const event = fromBinary(DecisionEventSchema, bytes);
    expect(judgeDecisionEvent(event, TenantReceiptKeys.NONE, bytes)).toMatchObject({ ok: false, code: 'receipt.unknown_key' });
    expect(judgeDecisionEvent(event, announced('receipt-key.v1.pub', 'enforcer-golden'), bytes)).toMatchObject({ ok: false, code: 'receipt.downgraded' });
  });

  it('decodes what the previous release (63aae65) sent and answered: a DecideRequest, its DecideResponse and receipt', () => {
    const request = fromBinary(DecideRequestSchema, testdata('decide-request.previous.bin'));
    expect(request).toMatchObject({ requestId: 'req-previous-2', tenantId: PREVIOUS_TENANT, agentId: 'crm-agent', tool: 'crm.read_contact', resource: 'crm://contacts', approvalId: '', riskTier: RiskTier.UNSPECIFIED });
    expect(new TextDecoder().decode(request.argumentsJson)).toBe('{"id":42}');
    const response = fromBinary(DecideResponseSchema, testdata('decide-response.previous.bin'));
    expect(response).toMatchObject({ decisionId: '019ab697-e800-78a9-9d0e-ab9e23749bb2', requestId: 'req-previous-2', effect: Effect.ALLOW, policyVersion: 7n });
    expect(response.receipt).toMatchObject({ receiptVersion: 2, batchSize: 2, batchIndex: 1, keyId: 'ed25519:02ad56581e79899e', eventDigest: '' });
    expect(verifyReceipt(response.receipt!, keyOf('receipt-key.previous.pub'))).toEqual({ ok: true });
  });

  it("decodes the previous release's published DecisionEvents (one receipt batch) and verifies both receipts", () => {
    const trusted = keyOf('receipt-key.previous.pub');
    const events = [0, 1].map((i) => ({ bytes: testdata(`decision-event.previous-${i}.bin`), event: fromBinary(DecisionEventSchema, testdata(`decision-event.previous-${i}.bin`)) }));
    expect(events.map(({ event }) => [event.requestId, event.effect, event.receipt?.batchIndex])).toEqual([
      ['req-previous-1', Effect.DENY, 0],
      ['req-previous-2', Effect.ALLOW, 1],
    ]);
    for (const { event, bytes } of events) {
      expect(event).toMatchObject({ tenantId: PREVIOUS_TENANT, enforcerId: 'enforcer-previous', configVersion: 3n, windowUpdates: [], traceParent: '' });
      expect(verifyDecisionEvent(event, trusted, bytes)).toEqual({ ok: true, coverage: 'receipt', keyId: 'ed25519:02ad56581e79899e' });
      expect(judgeDecisionEvent(event, TenantReceiptKeys.NONE, bytes)).toMatchObject({ ok: false, code: 'receipt.unknown_key' });
    }
  });

  it('opens a SignedSnapshot the previous release signed (before key announcements, leases and approvals)', () => {
    const signed = fromBinary(SignedSnapshotSchema, testdata('signed-snapshot.previous.bin'));
    const trusted = keyOf('snapshot-key.previous.pub');
    const opened = openSnapshot(signed, trusted, { tenantId: PREVIOUS_TENANT, version: 3n });
    expect(opened).toMatchObject({ ok: true, config: { tenantId: PREVIOUS_TENANT, version: 3n, retainArguments: true, revokedCredentials: [] } });
    const tampered = { ...signed, snapshot: signed.snapshot.map((b, i) => (i === 4 ? b ^ 1 : b)) };
    expect(openSnapshot(tampered, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
  });
});

describe('golden receipt key directory record (current, first version)', () => {
  it("opens a record of the receipt keys topic and believes, through it, the decision its key signed", () => {
    const record = JSON.parse(readFileSync(new URL('../../contracts/testdata/receipt-key-entry.current.json', import.meta.url), 'utf8')) as { key: string; value: string };
    const controlPlane = keyOf('directory-key.current.pub');
    const opened = openReceiptKeyRecord(record.key, record.value, controlPlane);
    expect(opened).toMatchObject({ ok: true, entry: { tenantId: '7e0a0000-0000-4000-8000-00000000601d', enforcerId: 'edge-trace', keyId: 'ed25519:9152eb68fb60770f', status: 'active' } });
    if (!opened.ok) return;
    const bytes = testdata('decision-event.trace-parent.bin');
    expect(judgeDecisionEvent(fromBinary(DecisionEventSchema, bytes), TenantReceiptKeys.of([opened.entry]), bytes)).toEqual({ ok: true });
    expect(openReceiptKeyRecord(record.key.replace('edge-trace', 'edge-other'), record.value, controlPlane)).toMatchObject({ ok: false });
    expect(openReceiptKeyRecord(record.key, record.value.replace('"active"', '"decommissioned"'), controlPlane)).toMatchObject({ ok: false, code: 'directory.bad_signature' });
  });
});
