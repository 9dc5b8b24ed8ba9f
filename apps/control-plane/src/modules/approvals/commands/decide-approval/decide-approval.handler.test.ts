import { fromBinary } from '@bufbuild/protobuf';
import { ApprovalStep_Kind, DecisionEventSchema } from '@thoth/contracts';
import { signerFromSeed } from '@thoth/snapshot';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import type { ApprovalDecidedPayload } from '../../domain/events/approval-decided.event.js';
import type { ApprovalRequest } from '../../domain/approval-request.js';
import type { ApprovalRequestsRepository } from '../../storage/approval-requests.repository.js';
import { DecideApprovalCommand } from './decide-approval.command.js';
import { DecideApprovalHandler } from './decide-approval.handler.js';

const TENANT = 'c0ffee00-0000-4000-8000-000000000001';
const caller = { tenantId: TENANT, actor: 'key:k1', requestId: 'req-1' };
const NOW = new Date('2026-11-02T10:00:00.000Z');
const clock = { now: () => NOW };
const keys = { receiptSigner: signerFromSeed(Buffer.alloc(32, 9).toString('base64')), linkKey: Buffer.alloc(32) };

const request = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  tenantId: TENANT,
  id: 'apr-1',
  agentId: 'refund-agent',
  tool: 'payments.refund',
  argumentsDigest: 'd'.repeat(64),
  resource: 'payments/orders',
  credentialFingerprint: '',
  arguments: { amount: 950 },
  ruleIds: ['refunds'],
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
  ...overrides,
});

/** The repository as the projection would leave it: the request, then decided. */
const requests = (found: ApprovalRequest | undefined) => ({ find: async (tenantId: string) => (tenantId === TENANT ? found : undefined) }) as unknown as ApprovalRequestsRepository;

describe('DecideApprovalHandler', () => {
  it('records the decision with its signed DecisionEvent and tells the outbox', async () => {
    const store = new InMemoryEventStore();
    const drained: string[] = [];
    const publisher = { changed: (tenantId: string) => drained.push(tenantId) };
    const handler = new DecideApprovalHandler(requests(request()), store, clock, keys, publisher as never);
    await handler.execute(new DecideApprovalCommand(caller, 'apr-1', true, 'ok'));
    const [event] = store.recorded;
    expect([event!.type, event!.streamId, event!.metadata.actor]).toEqual(['approval.approved', `approval-${TENANT}-apr-1`, 'key:k1']);
    const payload = event!.payload as ApprovalDecidedPayload;
    const signed = fromBinary(DecisionEventSchema, Buffer.from(payload.decisionEvent, 'base64'));
    expect(signed).toMatchObject({ decisionId: payload.decisionId, approval: { kind: ApprovalStep_Kind.APPROVED, requestId: 'apr-1', decidedBy: 'key:k1', comment: 'ok' } });
    expect(signed.receipt?.keyId).toBe(keys.receiptSigner.keyId);
    expect(drained).toEqual([TENANT]);
  });

  it('refuses what is not pending, what expired and what is not found, recording nothing', async () => {
    const store = new InMemoryEventStore();
    const decide = (found: ApprovalRequest | undefined) => new DecideApprovalHandler(requests(found), store, clock, keys, null).execute(new DecideApprovalCommand(caller, 'apr-1', false, ''));
    await expect(decide(request({ state: 'approved' }))).rejects.toMatchObject({ code: 'approval.already_decided' });
    await expect(decide(request({ state: 'rejected', expiresAt: new Date(0) }))).rejects.toMatchObject({ code: 'approval.already_decided' });
    await expect(decide(request({ expiresAt: NOW }))).rejects.toMatchObject({ code: 'approval.expired' });
    await expect(decide(undefined)).rejects.toMatchObject({ code: 'approval.not_found' });
    expect(store.recorded).toHaveLength(0);
  });
});
