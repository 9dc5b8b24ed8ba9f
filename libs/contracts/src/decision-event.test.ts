import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { decisionEventProblem, decodeDecisionEvent, readDecisionEvent } from './decision-event.js';
import { DecisionEventSchema, Effect } from './gen/thoth/decision/v1/decision_pb.js';

// A decision as an enforcer publishes it, reduced to what every consumer checks.
const valid = { decisionId: 'd-1', tenantId: '0b6f3a56-1c1e-4c8e-9a57-3f4c2d1e0a99', agentId: 'crm-agent', enforcerId: 'enforcer-1' };
const decided = { tool: 'crm.delete_records', effect: Effect.DENY, decidedAt: timestampFromMs(1_795_000_000_000) };
type Fields = Partial<typeof valid & typeof decided>;
const event = (fields: Fields = {}) => create(DecisionEventSchema, { ...valid, ...decided, ...fields });
const bytes = (fields: Fields = {}) => toBinary(DecisionEventSchema, event(fields));

describe('readDecisionEvent', () => {
  it('decodes without validating and keeps the bytes exactly as received', () => {
    const raw = bytes({ tenantId: 'acme' });
    const read = readDecisionEvent(raw);
    expect(read.ok && read.bytes).toBe(raw);
    expect(read.ok && read.event.tenantId).toBe('acme');
  });

  it('names an empty or undecodable value', () => {
    expect(readDecisionEvent(null)).toEqual({ ok: false, code: 'event.empty', reason: 'message has no value' });
    expect(readDecisionEvent(undefined)).toMatchObject({ ok: false, code: 'event.empty' });
    expect(readDecisionEvent(new Uint8Array())).toMatchObject({ ok: false, code: 'event.empty' });
    expect(readDecisionEvent(new Uint8Array([0xff, 0xff, 0xff]))).toMatchObject({
      ok: false,
      code: 'event.undecodable',
      reason: expect.stringMatching(/^not a thoth\.decision\.v1\.DecisionEvent: /),
    });
  });
});

describe('decisionEventProblem', () => {
  it('accepts a well-formed event', () => {
    expect(decisionEventProblem(event())).toBeUndefined();
  });

  it('names the first unusable field', () => {
    expect(decisionEventProblem(event({ decisionId: '' }))).toBe('decision_id must be 1–200 printable ASCII characters');
    expect(decisionEventProblem(event({ decisionId: 'x'.repeat(201) }))).toBe('decision_id must be 1–200 printable ASCII characters');
    expect(decisionEventProblem(event({ tenantId: 'acme' }))).toBe('tenant_id must be a lowercase UUID');
    expect(decisionEventProblem(event({ tenantId: valid.tenantId.toUpperCase() }))).toBe('tenant_id must be a lowercase UUID');
    expect(decisionEventProblem(event({ agentId: 'a b' }))).toBe('agent_id must be 1–200 printable ASCII characters');
    expect(decisionEventProblem(event({ tool: '' }))).toBe('tool is required');
    expect(decisionEventProblem(event({ tool: 'crm.read\u0000records' }))).toBe('tool holds a control character or a lone surrogate');
    expect(decisionEventProblem(event({ tool: 'crm.read\u0085' }))).toBe('tool holds a control character or a lone surrogate');
    expect(decisionEventProblem(event({ tool: 'x'.repeat(257) }))).toBe('tool is longer than 256 characters');
    expect(decisionEventProblem(event({ tool: 'crm.lire_fiche_é😀' }))).toBeUndefined();
    expect(decisionEventProblem(event({ effect: Effect.UNSPECIFIED }))).toBe('effect must be ALLOW, DENY or REQUIRE_APPROVAL');
    expect(decisionEventProblem(event({ enforcerId: '' }))).toBe('enforcer_id must be 1–200 printable ASCII characters');
    expect(decisionEventProblem(event({ decisionId: '', tenantId: 'acme' }))).toMatch(/^decision_id/);
  });
});

describe('decodeDecisionEvent', () => {
  it('reads, then validates as event.invalid', () => {
    const raw = bytes();
    expect(decodeDecisionEvent(raw)).toMatchObject({ ok: true, bytes: raw });
    expect(decodeDecisionEvent(null)).toMatchObject({ ok: false, code: 'event.empty' });
    expect(decodeDecisionEvent(bytes({ tenantId: 'acme' }))).toEqual({ ok: false, code: 'event.invalid', reason: 'tenant_id must be a lowercase UUID' });
  });
});
