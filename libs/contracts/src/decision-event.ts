import { fromBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema, Effect, type DecisionEvent } from './gen/thoth/decision/v1/decision_pb.js';
import { FIELD_LIMITS, IDENTIFIER, textProblem, UUID } from './request-fields.js';

/** Why bytes of the decision stream are not a usable DecisionEvent; stable codes. */
export type DecisionEventCode = 'event.empty' | 'event.undecodable' | 'event.invalid';

export type ReadDecisionEvent =
  | { readonly ok: true; readonly event: DecisionEvent; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly code: DecisionEventCode; readonly reason: string };

/**
 * A Kafka message's value as a protobuf DecisionEvent, not yet validated: `event.empty` for no
 * bytes, `event.undecodable` for bytes that are not one. The bytes are kept as received.
 */
export function readDecisionEvent(value: Uint8Array | null | undefined): ReadDecisionEvent {
  if (value === null || value === undefined || value.length === 0) {
    return { ok: false, code: 'event.empty', reason: 'message has no value' };
  }
  try {
    return { ok: true, event: fromBinary(DecisionEventSchema, value), bytes: value };
  } catch (error) {
    return { ok: false, code: 'event.undecodable', reason: `not a thoth.decision.v1.DecisionEvent: ${(error as Error).message}` };
  }
}

/**
 * The first thing that makes a DecisionEvent unusable by every consumer of the decision stream
 * (the ledger's fold, the control plane's read model), or undefined: its identifiers, tool and
 * effect. Each consumer checks what only it needs (times, receipt) after this.
 */
export function decisionEventProblem(e: DecisionEvent): string | undefined {
  if (!IDENTIFIER.test(e.decisionId)) return 'decision_id must be 1–200 printable ASCII characters';
  if (!UUID.test(e.tenantId)) return 'tenant_id must be a lowercase UUID';
  if (!IDENTIFIER.test(e.agentId)) return 'agent_id must be 1–200 printable ASCII characters';
  // The tool is a column of both stores and a filter of the API: what an enforcer accepts (request-fields.ts).
  const tool = textProblem('tool', e.tool, FIELD_LIMITS.tool, true);
  if (tool !== undefined) return tool;
  if (e.effect !== Effect.ALLOW && e.effect !== Effect.DENY && e.effect !== Effect.REQUIRE_APPROVAL) return 'effect must be ALLOW, DENY or REQUIRE_APPROVAL';
  if (!IDENTIFIER.test(e.enforcerId)) return 'enforcer_id must be 1–200 printable ASCII characters';
  return undefined;
}

/** `readDecisionEvent`, then `decisionEventProblem` as `event.invalid`. */
export function decodeDecisionEvent(value: Uint8Array | null | undefined): ReadDecisionEvent {
  const read = readDecisionEvent(value);
  if (!read.ok) return read;
  const problem = decisionEventProblem(read.event);
  return problem === undefined ? read : { ok: false, code: 'event.invalid', reason: problem };
}
