import { fromBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema, Effect, type DecisionEvent } from '@thoth/contracts';

/** Why a message went to quarantine instead of the log; stable codes. */
export type QuarantineCode = 'event.empty' | 'event.undecodable' | 'event.invalid' | 'decision.conflict';

export type DecodedDecision =
  | { readonly ok: true; readonly event: DecisionEvent; readonly entry: Uint8Array }
  | { readonly ok: false; readonly code: QuarantineCode; readonly reason: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Identifiers go into URLs, file names and log lines: printable, bounded.
const IDENTIFIER = /^[\x21-\x7e]{1,200}$/;

/**
 * A message's value becomes a ledger entry exactly as received: the canonical entry encoding is the
 * protobuf DecisionEvent bytes read from Kafka (never re-encoded), so the leaf hash is over the bytes
 * the enforcer published. Decoding only validates them and pulls out the columns we index.
 */
export function decodeDecision(value: Uint8Array | null | undefined): DecodedDecision {
  if (value === null || value === undefined || value.length === 0) {
    return { ok: false, code: 'event.empty', reason: 'message has no value' };
  }
  let event: DecisionEvent;
  try {
    event = fromBinary(DecisionEventSchema, value);
  } catch (error) {
    return { ok: false, code: 'event.undecodable', reason: `not a thoth.decision.v1.DecisionEvent: ${(error as Error).message}` };
  }
  const problem = validate(event);
  if (problem !== undefined) return { ok: false, code: 'event.invalid', reason: problem };
  return { ok: true, event, entry: value };
}

function validate(e: DecisionEvent): string | undefined {
  if (!IDENTIFIER.test(e.decisionId)) return 'decision_id must be 1–200 printable ASCII characters';
  if (!UUID.test(e.tenantId)) return 'tenant_id must be a lowercase UUID';
  if (!IDENTIFIER.test(e.agentId)) return 'agent_id must be 1–200 printable ASCII characters';
  if (e.tool === '') return 'tool is required';
  if (e.effect !== Effect.ALLOW && e.effect !== Effect.DENY) return 'effect must be ALLOW or DENY';
  if (e.decidedAt === undefined) return 'decided_at is required';
  if (!IDENTIFIER.test(e.enforcerId)) return 'enforcer_id must be 1–200 printable ASCII characters';
  return undefined;
}
