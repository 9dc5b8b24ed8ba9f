import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ApprovalStep_Kind, Effect, RuleKind, Severity } from '@thoth/contracts';
import { describe, expect, it } from 'vitest';
import { decodeDecisionMessage, recordOfEvent } from './decode-decision-event.js';
import { decisionEvent, decisionMessage } from './test-fixtures.js';

const TENANT = '6f1c1f5e-0d7e-4a57-9a51-3f2b8e0c9d11';

describe('decodeDecisionMessage', () => {
  it('flattens a DecisionEvent into a DecisionRecord', () => {
    const at = Date.UTC(2026, 10, 3, 14, 5, 6, 789);
    const decoded = decodeDecisionMessage(decisionMessage({ tenantId: TENANT, decisionId: 'dec_1', decidedAt: { seconds: BigInt(Math.floor(at / 1000)), nanos: 789_654_321 } }));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const r = decoded.record;
    expect(r).toMatchObject({
      tenantId: TENANT,
      decisionId: 'dec_1',
      requestId: 'req-dec_1',
      agentId: 'crm-agent',
      tool: 'crm.delete_contact',
      resource: 'crm/contacts',
      credentialFingerprint: 'b'.repeat(64),
      sourceIp: '10.20.0.7',
      sourceRegion: 'eu-west-1',
      outcome: 'would_deny',
      shadow: true,
      matchedRules: [{ ruleId: 'no-crm-deletes', reason: 'CRM deletes need a human.', severity: 'high', kind: 'condition', effect: 'deny' }],
      policyVersion: 3,
      configVersion: 12,
      enforcerId: 'edge-1',
      arguments: { id: 42, reason: 'cleanup' },
      errorCode: '',
    });
    // Milliseconds only, as JavaScript (and a keyset cursor) reads them back.
    expect(r.decidedAt.getTime()).toBe(at);
    expect(r.receipt).toMatchObject({ decisionId: 'dec_1', outcome: 'OUTCOME_WOULD_DENY', tenantId: TENANT });
  });

  it('tells allow, deny and would_deny apart by effect and shadow', () => {
    const outcome = (effect: Effect, shadow: boolean) => {
      const d = recordOfEvent(decisionEvent({ tenantId: TENANT, effect, shadow }));
      return d.ok ? d.record.outcome : d.reason;
    };
    expect(outcome(Effect.ALLOW, false)).toBe('allow');
    expect(outcome(Effect.ALLOW, true)).toBe('would_deny');
    expect(outcome(Effect.DENY, false)).toBe('deny');
    expect(outcome(Effect.REQUIRE_APPROVAL, false)).toBe('approval_required');
  });

  it('hands hooks the approval step an event carries, and refuses a step it cannot read', () => {
    const expiresAt = { seconds: 1_795_000_000n, nanos: 0 };
    const d = recordOfEvent(
      decisionEvent({ tenantId: TENANT, decisionId: 'apr-1', effect: Effect.REQUIRE_APPROVAL, shadow: false, approval: { kind: ApprovalStep_Kind.REQUESTED, requestId: 'apr-1', expiresAt, ruleIds: ['refunds'] } }),
    );
    expect(d.ok && d.record.approval).toEqual({ kind: 'requested', requestId: 'apr-1', expiresAt: new Date(1_795_000_000_000), decidedBy: '', comment: '', ruleIds: ['refunds'] });
    const unknownKind = recordOfEvent(decisionEvent({ tenantId: TENANT, approval: { kind: 42 as ApprovalStep_Kind, requestId: 'apr-1' } }));
    expect(unknownKind.ok ? 'ok' : unknownKind.reason).toMatch(/^approval: /);
    const noRequest = recordOfEvent(decisionEvent({ tenantId: TENANT, approval: { kind: ApprovalStep_Kind.APPROVED, requestId: '' } }));
    expect(noRequest.ok).toBe(false);
  });

  it('keeps no arguments when none were retained, or when they are not storable JSON', () => {
    const args = (bytes: string) => {
      const d = recordOfEvent(decisionEvent({ tenantId: TENANT, retainedArgumentsJson: new TextEncoder().encode(bytes) }));
      return d.ok ? d.record.arguments : d.reason;
    };
    expect(args('')).toBeUndefined();
    expect(args('{not json')).toBeUndefined();
    expect(args('{"name":"a\\u0000b"}')).toBeUndefined();
    expect(args('{"name":"\\ud800"}')).toBeUndefined();
    expect(args('[1,"x"]')).toEqual([1, 'x']);
  });

  it('maps rule kinds and severities to their lower-case names, unknown effects to ""', () => {
    const d = recordOfEvent(
      decisionEvent({ tenantId: TENANT, matchedRules: [{ ruleId: 'deletes', reason: 'r', severity: Severity.CRITICAL, kind: RuleKind.BLAST_RADIUS, effect: 'explode' }] }),
    );
    expect(d.ok && d.record.matchedRules).toEqual([{ ruleId: 'deletes', reason: 'r', severity: 'critical', kind: 'blast_radius', effect: '' }]);
  });

  it('takes the decision time for a request that carried none', () => {
    const d = recordOfEvent(decisionEvent({ tenantId: TENANT, requestedAt: undefined }));
    expect(d.ok && d.record.requestedAt.getTime()).toBe(Date.UTC(2026, 10, 2, 9, 30));
  });

  it('names what makes a message poison', () => {
    const reason = (value: Uint8Array | null) => {
      const d = decodeDecisionMessage(value);
      return d.ok ? 'ok' : `${d.code}: ${d.reason}`;
    };
    expect(reason(null)).toBe('event.empty: message has no value');
    expect(reason(new Uint8Array([0xff, 0xff, 0xff]))).toMatch(/^event.undecodable: not a thoth.decision.v1.DecisionEvent/);
    expect(reason(decisionMessage({ tenantId: 'not-a-uuid' }))).toBe('event.invalid: tenant_id must be a lowercase UUID');
    expect(reason(decisionMessage({ tenantId: TENANT.toUpperCase() }))).toBe('event.invalid: tenant_id must be a lowercase UUID');
    expect(reason(decisionMessage({ tenantId: TENANT, decisionId: 'has space' }))).toBe('event.invalid: decision_id must be 1–200 printable ASCII characters');
    expect(reason(decisionMessage({ tenantId: TENANT, tool: '' }))).toBe('event.invalid: tool is required');
    expect(reason(decisionMessage({ tenantId: TENANT, effect: Effect.UNSPECIFIED }))).toBe('event.invalid: effect must be ALLOW, DENY or REQUIRE_APPROVAL');
    expect(reason(decisionMessage({ tenantId: TENANT, decidedAt: timestampFromMs(0) }))).toBe('event.invalid: decided_at is required, between 2000 and 9999');
    expect(reason(decisionMessage({ tenantId: TENANT, resource: 'crm/\u0000contacts' }))).toBe('event.invalid: resource holds a NUL character or a lone surrogate');
    expect(reason(decisionMessage({ tenantId: TENANT, policyVersion: 2n ** 60n }))).toBe('event.invalid: policy_version and config_version must be below 2^53');
  });

  it('stores a rule or receipt reason Postgres could not store sanitised (free text: U+FFFD for NUL and lone surrogates, cut at 4096)', () => {
    const d = recordOfEvent(
      decisionEvent({
        tenantId: TENANT,
        matchedRules: [{ ruleId: 'x', reason: 'bad \ud800 reason\u0000' }, { ruleId: 'y', reason: 'r'.repeat(5000) }],
        receipt: { reasons: ['x: bad \udc00'] },
      }),
    );
    if (!d.ok) throw new Error(d.reason);
    expect(d.record.matchedRules.map((r) => r.reason)).toEqual(['bad \uFFFD reason\uFFFD', `${'r'.repeat(4095)}…`]);
    expect(d.record.receipt).toMatchObject({ reasons: ['x: bad \uFFFD'] });
  });
});
