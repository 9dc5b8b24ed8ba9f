import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { DecisionEventSchema, Effect, Outcome, ReceiptSchema, type DecisionEvent, type Receipt } from '@thoth/contracts';
import { createHash, hash } from 'node:crypto';
import type { Keyring, Signer } from './keys.js';
import { pendingReceipt, signReceiptBatch, verifyReceipt, type ReceiptCheck } from './receipt.js';

/**
 * What a version 3 receipt binds: the digest of its whole DecisionEvent, and the check that an
 * event is the one its receipt's enforcer signed (`verifyDecisionEvent`), every field of it.
 *
 * The digest is SHA-256 (lowercase hex) of the event's protobuf binary encoding **without its
 * receipt** (field 19 absent), fields in field-number order, zero values of implicit-presence
 * fields omitted: what protobuf-es `toBinary` writes, and what protobuf's encoders in other
 * languages write for this message (it has no maps, whose order is the one freedom the encoding
 * leaves). Chosen over a canonical text (versions 1 and 2) so that a field added to
 * DecisionEvent is covered without a new receipt version: a verifier that does not know the
 * field keeps it as an unknown field, which protobuf-es and the other runtimes write back after
 * the known ones, in number order for a field numbered above the rest. A verifier that holds the
 * bytes as published may equally hash them with the top-level field 19 records cut out.
 *
 * The enforcer computes the same digest from its hot-path encoder (@thoth/grpc messageEncoder,
 * byte for byte what toBinary writes) with `eventDigestOf`; its tests check the two agree.
 */
export function decisionEventDigest(event: DecisionEvent): string {
  const { receipt: _receipt, ...rest } = event;
  return eventDigestOf(toBinary(DecisionEventSchema, rest));
}

/**
 * The digest of an event as published, `encoded` (its protobuf binary, receipt included): SHA-256
 * of those bytes with every top-level field 19 record cut out, without decoding or re-encoding.
 * Undefined when the bytes are not a well-formed sequence of records (the caller re-encodes).
 * Equal to `decisionEventDigest` of the decoded event whenever the publisher encoded as
 * protobuf-es does; when it did not, the two differ and the caller re-encodes to decide.
 */
export function publishedEventDigest(encoded: Uint8Array): string | undefined {
  const digest = createHash('sha256');
  const reader = new BinaryReader(encoded);
  let kept = 0;
  try {
    while (reader.pos < reader.len) {
      const start = reader.pos;
      const [field, wireType] = reader.tag();
      reader.skip(wireType, field);
      if (field !== RECEIPT_FIELD) continue;
      if (start > kept) digest.update(encoded.subarray(kept, start));
      kept = reader.pos;
    }
  } catch {
    return undefined;
  }
  if (reader.pos !== reader.len) return undefined;
  if (encoded.length > kept) digest.update(encoded.subarray(kept));
  return digest.digest('hex');
}

const RECEIPT_FIELD = 19;

/** The digest of an event already encoded without its receipt. */
export function eventDigestOf(encodedWithoutReceipt: Uint8Array): string {
  return hash('sha256', encodedWithoutReceipt, 'hex');
}

/** What a verified event's signature covers: all of it (version 3), or only its receipt's fields (versions 1 and 2). */
export type EventCoverage = 'event' | 'receipt';

export type DecisionEventCheck =
  | { readonly ok: true; readonly coverage: EventCoverage; readonly keyId: string }
  | { readonly ok: false; readonly code: Exclude<ReceiptCheck, { ok: true }>['code'] | 'NO_RECEIPT' | 'EVENT_MISMATCH'; readonly message: string };

/**
 * Whether `event` is what its receipt's key signed. A version 3 receipt must verify and name
 * this event's digest: any changed field of the event, the receipt's own included, fails.
 * A receipt of version 1 or 2 verifies as what it is: its signature covers its own fields,
 * which must then agree with the event's (`coverage: 'receipt'`); the event's other fields
 * (resource, credential, source, rules' kinds and severities, error, retained arguments) are
 * not covered, and a consumer that must believe them refuses that coverage.
 *
 * `encoded`, when the caller has it: the very bytes `event` was decoded from, never other bytes
 * (their digest then stands for the event's: publishedEventDigest). A consumer that decodes a
 * Kafka message passes that message's value; one that holds only a decoded event passes nothing.
 */
export function verifyDecisionEvent(event: DecisionEvent, trusted: Keyring, encoded?: Uint8Array): DecisionEventCheck {
  const receipt = event.receipt;
  if (receipt === undefined) return { ok: false, code: 'NO_RECEIPT', message: 'the event has no receipt' };
  const check = verifyReceipt(receipt, trusted);
  if (!check.ok) return check;
  if (receipt.receiptVersion === 3) {
    // The bytes as published, when the caller has them, spare a re-encoding (~30 µs an event).
    if (encoded !== undefined && publishedEventDigest(encoded) === receipt.eventDigest) return { ok: true, coverage: 'event', keyId: receipt.keyId };
    const digest = decisionEventDigest(event);
    if (receipt.eventDigest !== digest) return mismatch(`event_digest ${receipt.eventDigest} is not the event's, ${digest}`);
    return { ok: true, coverage: 'event', keyId: receipt.keyId };
  }
  const differs = receiptFieldDiffering(receipt, event);
  if (differs !== undefined) return mismatch(`the receipt's ${differs} is not the event's`);
  return { ok: true, coverage: 'receipt', keyId: receipt.keyId };
}

const mismatch = (message: string) => ({ ok: false as const, code: 'EVENT_MISMATCH' as const, message });

/** The first field a version 1 or 2 receipt signs that the event states otherwise. */
function receiptFieldDiffering(r: Receipt, e: DecisionEvent): string | undefined {
  if (r.decisionId !== e.decisionId) return 'decision_id';
  if (r.requestId !== e.requestId) return 'request_id';
  if (r.tenantId !== e.tenantId) return 'tenant_id';
  if (r.agentId !== e.agentId) return 'agent_id';
  if (r.tool !== e.tool) return 'tool';
  if (r.argumentsDigest !== e.argumentsDigest) return 'arguments_digest';
  if (r.outcome !== outcomeOf(e)) return 'outcome';
  if (r.policyVersion !== e.policyVersion) return 'policy_version';
  if (r.policyHash !== e.policyHash) return 'policy_hash';
  if (r.configVersion !== e.configVersion) return 'config_version';
  if (r.enforcerId !== e.enforcerId) return 'enforcer_id';
  if (r.decidedAt?.seconds !== e.decidedAt?.seconds || r.decidedAt?.nanos !== e.decidedAt?.nanos) return 'decided_at';
  const reasons = e.matchedRules.map((m) => `${m.ruleId}: ${m.reason}`);
  if (r.reasons.length !== reasons.length || r.reasons.some((reason, i) => reason !== reasons[i])) return 'reasons';
  return undefined;
}

const outcomeOf = (e: DecisionEvent): Outcome =>
  e.effect === Effect.DENY ? Outcome.DENY : e.effect === Effect.REQUIRE_APPROVAL ? Outcome.APPROVAL_REQUIRED : e.shadow ? Outcome.WOULD_DENY : Outcome.ALLOW;

/**
 * Signs events' receipts in place as one version 3 batch over each whole event, as an enforcer's
 * ReceiptIssuer does for what it decides: for producers of events outside that path (test
 * fixtures, benchmarks). Each event's receipt keeps the fields it has; its key id becomes the signer's.
 */
export function signDecisionEvents(events: readonly DecisionEvent[], signer: Signer): void {
  if (events.length === 0) return;
  const pending = events.map((event) => {
    const receipt = event.receipt ?? create(ReceiptSchema);
    receipt.eventDigest = decisionEventDigest(event);
    return pendingReceipt(receipt, signer);
  });
  signReceiptBatch(pending, signer);
  events.forEach((event, i) => (event.receipt = pending[i]!.receipt));
}
