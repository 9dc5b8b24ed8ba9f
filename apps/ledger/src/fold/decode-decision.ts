import { decodeDecisionEvent, type DecisionEvent, type DecisionEventCode } from '@thoth/contracts';
import type { DecisionTrustCode } from '@thoth/snapshot';

/**
 * Why a message went to quarantine instead of the log; stable codes. `entry.unstorable`: the
 * message decoded, but Postgres refused a value of it (SQLSTATE class 22 or 54000, in the reason).
 * `receipt.*`: a decision not believed, by the rule every ingestion applies (@thoth/snapshot).
 */
export type QuarantineCode = DecisionEventCode | DecisionTrustCode | 'decision.conflict' | 'entry.unstorable';

export type DecodedDecision =
  | { readonly ok: true; readonly event: DecisionEvent; readonly entry: Uint8Array }
  | { readonly ok: false; readonly code: QuarantineCode; readonly reason: string };

/**
 * A message's value becomes a ledger entry exactly as received: the canonical entry encoding is the
 * protobuf DecisionEvent bytes read from Kafka (never re-encoded), so the leaf hash is over the bytes
 * the enforcer published. Decoding only validates them (as every consumer of the decision stream
 * does, @thoth/contracts; the ledger also needs a decision time) and pulls out the columns we index.
 */
export function decodeDecision(value: Uint8Array | null | undefined): DecodedDecision {
  const decoded = decodeDecisionEvent(value);
  if (!decoded.ok) return decoded;
  if (decoded.event.decidedAt === undefined) return { ok: false, code: 'event.invalid', reason: 'decided_at is required' };
  return { ok: true, event: decoded.event, entry: decoded.bytes };
}
