import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { DecisionEventSchema, Effect, Outcome, RuleKind, Severity, type DecisionEvent } from '@thoth/contracts';
import { publicKeyBase64, signDecisionEvents, signerFromSeed, type Signer } from '@thoth/snapshot';
import { randomUUID } from 'node:crypto';
import type { TenantDatabase } from '../../../platform/database/tenant-database.js';
import { EnforcersRepository } from '../../enforcers/storage/enforcers.repository.js';
import { DecisionVerifier } from './decision-verifier.js';

/** The receipt key of the test enforcer process `edge-1`: what `decisionEvent` signs with. */
export const TEST_ENFORCER_KEY: Signer = signerFromSeed(Buffer.alloc(32, 1).toString('base64'));

/**
 * Registers a receipt key for the tenant as its enforcer's process announced it (as the projection
 * of enforcer.receipt_key_announced writes it), so ingestion believes what that key signs.
 */
export async function registerReceiptKey(database: TenantDatabase, tenantId: string, signer: Signer = TEST_ENFORCER_KEY, instanceId = 'edge-1'): Promise<void> {
  await database.transaction(tenantId, (tx) =>
    EnforcersRepository.insertReceiptKey(tx, {
      tenantId,
      enforcerId: randomUUID(),
      keyId: signer.keyId,
      instanceId,
      publicKey: publicKeyBase64(signer),
      announcedAt: new Date(Date.UTC(2026, 10, 1)),
      version: 1,
    }),
  );
}

/** A verifier reading the tenants' keys as ingestion does (for tests that build a DecisionIngestor). */
export function testVerifier(database: TenantDatabase): DecisionVerifier {
  const enforcers = new EnforcersRepository(database);
  return new DecisionVerifier((tenantId) => enforcers.receiptKeys(tenantId));
}

/** Signs the event's receipt (version 3, over the whole event) in place, as an enforcer does; returns it. */
export function signDecisionEvent(event: DecisionEvent, signer: Signer = TEST_ENFORCER_KEY): DecisionEvent {
  signDecisionEvents([event], signer);
  return event;
}

/**
 * What a test overrides of a DecisionEvent: any of its fields (checked by name; values as
 * `create(DecisionEventSchema, …)` takes them — protobuf-es's init/message unions do not survive
 * spreads), and the tenant always.
 */
export type DecisionEventOverrides = { readonly [K in keyof Omit<DecisionEvent, '$typeName' | '$unknown'>]?: unknown } & { readonly tenantId: string };

/**
 * A DecisionEvent as an enforcer publishes it: a shadow denial by `no-crm-deletes`, unless
 * overridden, its receipt signed by `TEST_ENFORCER_KEY` (the tenant must have it: `registerReceiptKey`).
 */
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
      tenantId: overrides.tenantId,
      agentId: (overrides.agentId as string | undefined) ?? 'crm-agent',
      tool: (overrides.tool as string | undefined) ?? 'crm.delete_contact',
      requestId: `req-${decisionId}`,
      configVersion: 12n,
    },
    configVersion: 12n,
  };
  return signDecisionEvent(create(DecisionEventSchema, { ...base, ...overrides, decisionId } as MessageInitShape<typeof DecisionEventSchema>));
}

/** The same, as the bytes of a Kafka message. */
export function decisionMessage(overrides: DecisionEventOverrides): Uint8Array {
  return toBinary(DecisionEventSchema, decisionEvent(overrides));
}
