import type { DecideRequest } from './gen/thoth/decision/v1/decision_pb.js';

/**
 * What a caller may name in a DecideRequest (docs/security.md, "Poison messages"). Everything an
 * enforcer decides is signed, published and stored by the ledger and the control plane, so what
 * cannot be stored, filtered or logged safely is refused before anything is recorded:
 *
 * - tenant_id: a lowercase UUID (the control plane issues them);
 * - agent_id: 1–200 printable ASCII characters (as the decision stream requires, DecisionEvent);
 * - tool: 1–256 characters; resource: at most 2048; request_id, credential_fingerprint,
 *   source.ip and source.region: at most 200 — none with a control character (C0, DEL, C1) or a
 *   lone surrogate.
 *
 * Lengths count UTF-16 code units (JavaScript string length).
 */
export const FIELD_LIMITS = {
  agentId: 200,
  tool: 256,
  resource: 2048,
  requestId: 200,
  credentialFingerprint: 200,
  sourceIp: 200,
  sourceRegion: 200,
} as const;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Identifiers go into URLs, cursors, file names and log lines: printable, bounded.
export const IDENTIFIER = /^[\x21-\x7e]{1,200}$/;
// C0 controls (NUL included), DEL and C1 controls; a surrogate not part of a pair.
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` is not acceptable text of at most `max` characters (at least one if `required`), or undefined. */
export function textProblem(field: string, value: string, max: number, required = false): string | undefined {
  if (required && value === '') return `${field} is required`;
  if (value.length > max) return `${field} is longer than ${max} characters`;
  if (FORBIDDEN.test(value)) return `${field} holds a control character or a lone surrogate`;
  return undefined;
}

/** A DecideRequest field that is malformed, and why; empty tenant, agent and tool are not checked here (MISSING_FIELD). */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** The first malformed field of a DecideRequest (see FIELD_LIMITS), or undefined. */
export function decideRequestProblem(r: DecideRequest): FieldProblem | undefined {
  if (r.tenantId !== '' && !UUID.test(r.tenantId)) return { field: 'tenant_id', message: 'tenant_id must be a lowercase UUID' };
  if (r.agentId !== '' && !IDENTIFIER.test(r.agentId)) return { field: 'agent_id', message: `agent_id must be 1–${FIELD_LIMITS.agentId} printable ASCII characters` };
  const checks: Array<[string, string, number]> = [
    ['tool', r.tool, FIELD_LIMITS.tool],
    ['resource', r.resource, FIELD_LIMITS.resource],
    ['request_id', r.requestId, FIELD_LIMITS.requestId],
    ['credential_fingerprint', r.credentialFingerprint, FIELD_LIMITS.credentialFingerprint],
    ['source.ip', r.source?.ip ?? '', FIELD_LIMITS.sourceIp],
    ['source.region', r.source?.region ?? '', FIELD_LIMITS.sourceRegion],
  ];
  for (const [field, value, max] of checks) {
    const message = textProblem(field, value, max);
    if (message !== undefined) return { field, message };
  }
  return undefined;
}
