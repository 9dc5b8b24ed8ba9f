import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DecisionEventSchema, Effect, Outcome, RuleKind, Severity, type DecisionEvent } from '@thoth/contracts';
import { publicKeyBase64, signDecisionEvents, signerFromSeed, signReceiptKeyEntry, type ReceiptKeyRecord, type Signer } from '@thoth/snapshot';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createHash, randomUUID } from 'node:crypto';

export { Kafka, logLevel, type Producer };

/** The control plane of these tests: it signs the receipt key directory (THOTH_CONFIG_PUBLIC_KEYS). */
export const TEST_CONTROL_PLANE_KEY: Signer = signerFromSeed(Buffer.alloc(32, 3).toString('base64'));
/**
 * The receipt key of the test enforcer process `enforcer-1`: what `decisionEvent` signs with (the
 * control plane's fixture TEST_ENFORCER_KEY is the same key, so one event is believed by both).
 */
export const TEST_ENFORCER_KEY: Signer = signerFromSeed(Buffer.alloc(32, 1).toString('base64'));
const TEST_ENFORCER_ID = '00000000-0000-4000-8000-00000000e001';

/**
 * The directory records that make the tenants' decisions believed: `enforcer-1` of each tenant
 * announced `key` (default TEST_ENFORCER_KEY), signed as the control plane publishes them.
 */
export function receiptKeyRecords(tenantIds: readonly string[], key: Signer = TEST_ENFORCER_KEY, instanceId = 'enforcer-1', controlPlane: Signer = TEST_CONTROL_PLANE_KEY): ReceiptKeyRecord[] {
  return tenantIds.map((tenantId) =>
    signReceiptKeyEntry(
      { tenantId, enforcerId: TEST_ENFORCER_ID, instanceId, keyId: key.keyId, publicKey: publicKeyBase64(key), announcedAt: '2026-11-01T00:00:00.000Z', status: 'active' },
      controlPlane,
    ),
  );
}

/**
 * A realistic decision event; every 7th is a blocked delete during a code freeze. Its receipt is
 * signed (version 3, over the whole event, overrides included) by TEST_ENFORCER_KEY, or `signer`.
 */
export function decisionEvent(tenantId: string, i: number, overrides: Partial<Omit<DecisionEvent, '$typeName' | '$unknown'>> = {}, signer: Signer = TEST_ENFORCER_KEY): DecisionEvent {
  const agentId = ['crm-agent', 'billing-agent', 'deploy-agent'][i % 3]!;
  const denied = i % 7 === 0;
  const args = JSON.stringify({ table: 'executives', ids: [i, i + 1] });
  const at = 1_795_000_000_000 + i;
  const decisionId = overrides.decisionId ?? randomUUID();
  const event = create(DecisionEventSchema, {
    decisionId,
    requestId: `req-${i}`,
    tenantId,
    agentId,
    tool: denied ? 'crm.delete_records' : 'crm.read_records',
    argumentsDigest: createHash('sha256').update(args).digest('hex'),
    retainedArgumentsJson: new TextEncoder().encode(args),
    resource: 'crm://executives',
    credentialFingerprint: createHash('sha256').update(`token-${agentId}`).digest('hex'),
    source: { ip: '10.1.2.3', region: 'eu-west-1' },
    effect: denied ? Effect.DENY : Effect.ALLOW,
    shadow: false,
    matchedRules: denied
      ? [{ ruleId: 'freeze.code-freeze', reason: 'code freeze until 2026-12-01: crm.delete_records denied', severity: Severity.CRITICAL, kind: RuleKind.FREEZE_WINDOW }]
      : [],
    policyVersion: 3n,
    policyHash: 'ab'.repeat(32),
    enforcerId: 'enforcer-1',
    requestedAt: timestampFromMs(at),
    decidedAt: timestampFromMs(at + 1),
    receipt: {
      decisionId,
      outcome: denied ? Outcome.DENY : Outcome.ALLOW,
      reasons: denied ? ['code freeze until 2026-12-01'] : [],
      policyVersion: 3n,
      decidedAt: timestampFromMs(at + 1),
      enforcerId: 'enforcer-1',
      tenantId,
      agentId,
      tool: denied ? 'crm.delete_records' : 'crm.read_records',
      requestId: `req-${i}`,
      policyHash: 'ab'.repeat(32),
    },
  });
  Object.assign(event, overrides);
  if (overrides.receipt === undefined) signDecisionEvents([event], signer);
  return event;
}

export function encode(event: DecisionEvent): Buffer {
  return Buffer.from(toBinary(DecisionEventSchema, event));
}

export function message(event: DecisionEvent): { key: string; value: Buffer } {
  return { key: `${event.tenantId}/${event.agentId}`, value: encode(event) };
}

/** Sends raw messages with acks=all in chunks. */
export async function produce(producer: Producer, topic: string, messages: ReadonlyArray<{ key: string | null; value: Buffer | null }>, chunk = 1000): Promise<void> {
  for (let i = 0; i < messages.length; i += chunk) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk).map((m) => ({ key: m.key, value: m.value })) });
  }
}
