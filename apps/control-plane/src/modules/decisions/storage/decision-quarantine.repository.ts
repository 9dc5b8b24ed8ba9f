import { decisionQuarantine, type NewDecisionQuarantineRow } from '@thoth/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../../platform/database/tenant-database.js';

/** Decisions ingestion did not believe, under the tenant they name; no API reads them. */
export class DecisionQuarantineRepository {
  /** The events the tenant's newly announced keys signed, quarantined while those keys were unknown. */
  static async signedByUnknownKeys(tx: Tx, tenantId: string, keyIds: readonly string[]): Promise<Array<{ origin: string; decisionId: string; event: Uint8Array }>> {
    const q = decisionQuarantine;
    return tx
      .select({ origin: q.origin, decisionId: q.decisionId, event: q.event })
      .from(q)
      .where(and(eq(q.tenantId, tenantId), eq(q.reasonCode, 'receipt.unknown_key'), inArray(q.keyId, [...keyIds])));
  }

  static async release(tx: Tx, tenantId: string, rows: ReadonlyArray<{ origin: string; decisionId: string }>): Promise<void> {
    const q = decisionQuarantine;
    for (const { origin, decisionId } of rows) {
      await tx.delete(q).where(and(eq(q.tenantId, tenantId), eq(q.origin, origin), eq(q.decisionId, decisionId), eq(q.reasonCode, 'receipt.unknown_key')));
    }
  }

  /** A redelivered message is quarantined once (same origin, decision and reason). */
  static async insert(tx: Tx, rows: readonly NewDecisionQuarantineRow[]): Promise<void> {
    if (rows.length > 0) await tx.insert(decisionQuarantine).values([...rows]).onConflictDoNothing();
  }
}
