import { ApprovalStep_Kind, Effect, RuleKind } from '@thoth/contracts';
import { CONTROL_PLANE_INSTANCE, judgeDecisionEvent, publicKeyBase64, signerFromSeed, TenantReceiptKeys } from '@thoth/snapshot';
import { describe, expect, it } from 'vitest';
import { approvalDecisionEvent } from './approval-decision.js';
import { bindingMismatch, statusOf, type ApprovalRequest } from './approval-request.js';

const NOW = new Date(Date.UTC(2026, 10, 2, 10));
const request: ApprovalRequest = {
  tenantId: '0b0c8f5e-1111-4222-8333-944445555666',
  id: 'apr-1',
  agentId: 'refund-agent',
  tool: 'payments.refund',
  argumentsDigest: 'd'.repeat(64),
  resource: 'payments/orders',
  credentialFingerprint: 'f'.repeat(64),
  arguments: { amount: 950 },
  ruleIds: ['refunds-over-500'],
  matchedRules: [],
  enforcerId: 'edge-1',
  policyVersion: 3,
  policyHash: 'c'.repeat(64),
  configVersion: 12,
  requestedAt: new Date(NOW.getTime() - 60_000),
  expiresAt: new Date(NOW.getTime() + 3_600_000),
  state: 'pending',
  decidedBy: undefined,
  decidedAt: undefined,
  comment: undefined,
  usedByDecision: undefined,
  usedAt: undefined,
};

describe('an approval request', () => {
  it('stands used, then rejected, then expired, then as decided', () => {
    const later = new Date(request.expiresAt.getTime());
    expect(statusOf(request, NOW)).toBe('pending');
    expect(statusOf(request, later)).toBe('expired');
    expect(statusOf({ ...request, state: 'approved' }, NOW)).toBe('approved');
    expect(statusOf({ ...request, state: 'approved' }, later)).toBe('expired');
    expect(statusOf({ ...request, state: 'rejected' }, later)).toBe('rejected');
    expect(statusOf({ ...request, state: 'approved', usedByDecision: 'd-9' }, later)).toBe('used');
  });

  it('binds the exact call: each field differing is named', () => {
    expect(bindingMismatch(request, request)).toBeUndefined();
    for (const field of ['agentId', 'tool', 'argumentsDigest', 'resource', 'credentialFingerprint'] as const) {
      expect(bindingMismatch(request, { ...request, [field]: `${request[field]}x` })).toBe(field);
    }
  });

  it("is approved by a decision of the control plane's own, signed, with the request's binding", () => {
    const own = signerFromSeed(Buffer.alloc(32, 5).toString('base64'));
    const event = approvalDecisionEvent(request, { approved: true, decidedBy: 'key:k-1', comment: 'ok', decisionId: 'd-approve', decidedAt: NOW }, own);
    expect(event).toMatchObject({
      tenantId: request.tenantId,
      agentId: request.agentId,
      tool: request.tool,
      argumentsDigest: request.argumentsDigest,
      resource: request.resource,
      credentialFingerprint: request.credentialFingerprint,
      effect: Effect.ALLOW,
      enforcerId: CONTROL_PLANE_INSTANCE,
      matchedRules: [{ ruleId: 'approval:apr-1', kind: RuleKind.APPROVAL, effect: 'allow', reason: 'Approved by key:k-1: ok' }],
      approval: { kind: ApprovalStep_Kind.APPROVED, requestId: 'apr-1', decidedBy: 'key:k-1', comment: 'ok' },
    });
    const keys = TenantReceiptKeys.of([{ keyId: own.keyId, publicKey: publicKeyBase64(own), instanceId: CONTROL_PLANE_INSTANCE }]);
    expect(judgeDecisionEvent(event, keys)).toEqual({ ok: true });
    const rejected = approvalDecisionEvent(request, { approved: false, decidedBy: 'key:k-1', comment: '', decisionId: 'd-reject', decidedAt: NOW }, own);
    expect([rejected.effect, rejected.approval?.kind, judgeDecisionEvent(rejected, keys)]).toEqual([Effect.DENY, ApprovalStep_Kind.REJECTED, { ok: true }]);
  });
});
