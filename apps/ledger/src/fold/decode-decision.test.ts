import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DecisionEventSchema, Effect } from '@thoth/contracts';
import { describe, expect, it } from 'vitest';
import { decodeDecision } from './decode-decision.js';

const valid = {
  decisionId: 'd-1',
  tenantId: '0b6f3a56-1c1e-4c8e-9a57-3f4c2d1e0a99',
  agentId: 'crm-agent',
  tool: 'crm.delete_records',
  effect: Effect.DENY,
  enforcerId: 'enforcer-1',
  decidedAt: timestampFromMs(1_795_000_000_000),
};
const bytes = (fields: Partial<typeof valid>) => toBinary(DecisionEventSchema, create(DecisionEventSchema, { ...valid, ...fields }));

describe('decodeDecision', () => {
  it('keeps the bytes exactly as received as the entry', () => {
    const raw = bytes({});
    const decoded = decodeDecision(raw);
    expect(decoded.ok && decoded.entry).toBe(raw);
    expect(decoded.ok && decoded.event.decisionId).toBe('d-1');
  });

  it('names why a message cannot be folded', () => {
    expect(decodeDecision(null)).toMatchObject({ ok: false, code: 'event.empty' });
    expect(decodeDecision(new Uint8Array([0xff, 0xff, 0xff]))).toMatchObject({ ok: false, code: 'event.undecodable' });
    expect(decodeDecision(bytes({ tenantId: 'acme' }))).toMatchObject({ ok: false, code: 'event.invalid', reason: expect.stringMatching(/tenant_id/) });
    expect(decodeDecision(bytes({ decisionId: '' }))).toMatchObject({ code: 'event.invalid', reason: expect.stringMatching(/decision_id/) });
    expect(decodeDecision(bytes({ effect: Effect.UNSPECIFIED }))).toMatchObject({ code: 'event.invalid', reason: expect.stringMatching(/effect/) });
    expect(decodeDecision(bytes({ decidedAt: undefined }))).toMatchObject({ code: 'event.invalid', reason: expect.stringMatching(/decided_at/) });
    expect(decodeDecision(bytes({ agentId: 'a b' }))).toMatchObject({ code: 'event.invalid', reason: expect.stringMatching(/agent_id/) });
  });
});
