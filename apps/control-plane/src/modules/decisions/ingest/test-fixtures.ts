import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { DecisionEventSchema, Effect, Outcome, RuleKind, Severity, type DecisionEvent } from '@thoth/contracts';
import { randomUUID } from 'node:crypto';

/**
 * What a test overrides of a DecisionEvent: any of its fields (checked by name; values as
 * `create(DecisionEventSchema, …)` takes them — protobuf-es's init/message unions do not survive
 * spreads), and the tenant always.
 */
export type DecisionEventOverrides = { readonly [K in keyof Omit<DecisionEvent, '$typeName' | '$unknown'>]?: unknown } & { readonly tenantId: string };

/** A DecisionEvent as an enforcer publishes it: a shadow denial by `no-crm-deletes`, unless overridden. */
export function decisionEvent(overrides: DecisionEventOverrides): DecisionEvent {
  const decisionId = (overrides.decisionId as string | undefined) ?? `dec_${randomUUID()}`;
  const decidedAt = (overrides.decidedAt as Timestamp | undefined) ?? timestampFromMs(Date.UTC(2026, 10, 2, 9, 30));
  const base: MessageInitShape<typeof DecisionEventSchema> = {
    decisionId,
    requestId: `req-${decisionId}`,
    agentId: 'crm-agent',
    tool: 'crm.delete_contact',
    argumentsDigest: 'a'.repeat(64),
    retainedArgumentsJson: new TextEncoder().encode('{"id":42,"reason":"cleanup"}'),
    resource: 'crm/contacts',
    credentialFingerprint: 'b'.repeat(64),
    source: { ip: '10.20.0.7', region: 'eu-west-1' },
    effect: Effect.ALLOW,
    shadow: true,
    matchedRules: [{ ruleId: 'no-crm-deletes', reason: 'CRM deletes need a human.', severity: Severity.HIGH, kind: RuleKind.CONDITION, effect: 'deny' }],
    policyVersion: 3n,
    policyHash: 'c'.repeat(64),
    enforcerId: 'edge-1',
    requestedAt: decidedAt,
    decidedAt,
    receipt: {
      decisionId,
      outcome: Outcome.WOULD_DENY,
      reasons: ['no-crm-deletes: CRM deletes need a human.'],
      policyVersion: 3n,
      decidedAt,
      enforcerId: 'edge-1',
      keyId: 'ed25519:0123456789abcdef',
      signature: new Uint8Array(64).fill(7),
      tenantId: overrides.tenantId,
      agentId: (overrides.agentId as string | undefined) ?? 'crm-agent',
      tool: (overrides.tool as string | undefined) ?? 'crm.delete_contact',
      requestId: `req-${decisionId}`,
      configVersion: 12n,
    },
    configVersion: 12n,
  };
  return create(DecisionEventSchema, { ...base, ...overrides, decisionId } as MessageInitShape<typeof DecisionEventSchema>);
}

/** The same, as the bytes of a Kafka message. */
export function decisionMessage(overrides: DecisionEventOverrides): Uint8Array {
  return toBinary(DecisionEventSchema, decisionEvent(overrides));
}
