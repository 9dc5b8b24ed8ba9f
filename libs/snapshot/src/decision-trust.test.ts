import { create } from '@bufbuild/protobuf';
import { ApprovalStep_Kind, ApprovalStepSchema, DecisionEventSchema, type DecisionEvent } from '@thoth/contracts';
import { describe, expect, it } from 'vitest';
import { CONTROL_PLANE_INSTANCE, judgeDecisionEvent, TenantReceiptKeys } from './decision-trust.js';
import { signDecisionEvents } from './event-digest.js';
import { publicKeyBase64, signerFromSeed } from './keys.js';

const key = signerFromSeed(Buffer.alloc(32, 21).toString('base64'));
const other = signerFromSeed(Buffer.alloc(32, 22).toString('base64'));
const keys = TenantReceiptKeys.of([{ keyId: key.keyId, publicKey: publicKeyBase64(key), instanceId: 'edge-1' }]);
const tenantId = '00000000-0000-4000-8000-000000000001';

function events(n: number, signer = key): DecisionEvent[] {
  const list = Array.from({ length: n }, (_, i) => create(DecisionEventSchema, { decisionId: `d-${i}`, tenantId, agentId: 'crm-agent', tool: 'crm.read', enforcerId: 'edge-1', receipt: { decisionId: `d-${i}` } }));
  signDecisionEvents(list, signer);
  return list;
}

describe('judgeDecisionEvent', () => {
  it('believes a batch signed by the tenant key, for the process that announced it', () => {
    expect(events(5).map((e) => judgeDecisionEvent(e, keys))).toEqual(Array(5).fill({ ok: true }));
  });

  it('names the first rule that fails', () => {
    expect(judgeDecisionEvent(events(1, other)[0]!, keys)).toMatchObject({ ok: false, code: 'receipt.unknown_key' });
    const changed = events(1)[0]!;
    changed.resource = 'crm/everything';
    expect(judgeDecisionEvent(changed, keys)).toMatchObject({ ok: false, code: 'receipt.event_mismatch' });
    const elsewhere = events(1)[0]!;
    elsewhere.enforcerId = 'edge-9';
    elsewhere.receipt!.enforcerId = 'edge-9';
    signDecisionEvents([elsewhere], key);
    expect(judgeDecisionEvent(elsewhere, keys)).toMatchObject({ ok: false, code: 'receipt.wrong_enforcer' });
    expect(judgeDecisionEvent(create(DecisionEventSchema, { tenantId }), keys)).toMatchObject({ ok: false, code: 'receipt.missing' });
  });

  it("believes an approval or a rejection only as the control plane's decision, never an enforcer's", () => {
    const own = signerFromSeed(Buffer.alloc(32, 23).toString('base64'));
    const withOwn = TenantReceiptKeys.of([
      { keyId: key.keyId, publicKey: publicKeyBase64(key), instanceId: 'edge-1' },
      { keyId: own.keyId, publicKey: publicKeyBase64(own), instanceId: CONTROL_PLANE_INSTANCE },
    ]);
    const step = (kind: ApprovalStep_Kind, enforcerId: string, signer = key) => {
      const [event] = events(1);
      event!.enforcerId = enforcerId;
      event!.receipt!.enforcerId = enforcerId;
      event!.approval = create(ApprovalStepSchema, { kind, requestId: 'apr-1', decidedBy: 'key:k' });
      signDecisionEvents([event!], signer);
      return event!;
    };
    for (const kind of [ApprovalStep_Kind.APPROVED, ApprovalStep_Kind.REJECTED]) {
      expect(judgeDecisionEvent(step(kind, 'edge-1'), withOwn)).toMatchObject({ ok: false, code: 'receipt.wrong_enforcer' });
      expect(judgeDecisionEvent(step(kind, CONTROL_PLANE_INSTANCE, own), withOwn)).toEqual({ ok: true });
    }
    // An enforcer's request and use of an approval are its own decisions.
    expect(judgeDecisionEvent(step(ApprovalStep_Kind.REQUESTED, 'edge-1'), withOwn)).toEqual({ ok: true });
    expect(judgeDecisionEvent(step(ApprovalStep_Kind.USED, 'edge-1'), withOwn)).toEqual({ ok: true });
  });

  it('remembers a verified batch signature only for the payload it signed', () => {
    const [first, second] = events(2);
    expect(judgeDecisionEvent(first!, keys)).toEqual({ ok: true });
    // The batch's signature, now remembered, under another batch size: another payload, refused.
    second!.receipt!.batchSize = 3;
    expect(judgeDecisionEvent(second!, keys)).toMatchObject({ ok: false, code: 'receipt.bad_batch_proof' });
    const [lone] = events(1);
    lone!.receipt!.signature = first!.receipt!.signature;
    expect(judgeDecisionEvent(lone!, keys)).toMatchObject({ ok: false, code: 'receipt.bad_signature' });
  });
});
