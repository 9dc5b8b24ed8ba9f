import type { DecisionPosition, IngestPosition } from '../storage/decision-records.repository.js';

/**
 * The opaque `cursor` of GET /v1/decisions: the last record of a page, as base64url JSON. Only a
 * position in (decided_at, decision_id) order, so it names nothing a tenant could not read anyway.
 */
export function encodeCursor(position: DecisionPosition): string {
  return Buffer.from(JSON.stringify([position.decidedAt.getTime(), position.decisionId])).toString('base64url');
}

export function decodeCursor(cursor: string): DecisionPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [ms, decisionId] = value as [unknown, unknown];
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || typeof decisionId !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(decisionId)) return undefined;
    const decidedAt = new Date(ms);
    return Number.isNaN(decidedAt.getTime()) ? undefined : { decidedAt, decisionId };
  } catch {
    return undefined;
  }
}

/**
 * The `id` of an event of GET /v1/decisions/stream, and its `cursor`: a position in the order of
 * ingestion, as base64url JSON `["i", transaction id, decision id]`. Not a search cursor: the two
 * orders differ (a decision can be ingested long after it was decided).
 */
export function encodeStreamCursor(position: IngestPosition): string {
  return Buffer.from(JSON.stringify(['i', position.xid.toString(), position.decisionId])).toString('base64url');
}

export function decodeStreamCursor(cursor: string): IngestPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3 || value[0] !== 'i') return undefined;
    const [, xid, decisionId] = value as [unknown, unknown, unknown];
    if (typeof xid !== 'string' || !/^[0-9]{1,20}$/.test(xid) || typeof decisionId !== 'string' || !/^[\x21-\x7e]{0,200}$/.test(decisionId)) return undefined;
    return { xid: BigInt(xid), decisionId };
  } catch {
    return undefined;
  }
}
