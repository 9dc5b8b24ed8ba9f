import type { Tx } from '../../../platform/database/tenant-database.js';
import type { DecisionRecord } from '../domain/decision-record.js';

/**
 * What another module runs when decisions enter the read model: inside the same transaction as
 * their insert (tenant set, RLS on), with only the records this transaction inserted — a
 * redelivered decision is not passed again, so what a hook writes happens exactly once.
 * Throwing rolls the batch back and it is delivered again later: throw only for a failure that
 * may pass (the database), never for the content of a record.
 */
export interface DecisionIngestHook {
  onRecorded(tx: Tx, tenantId: string, records: readonly DecisionRecord[]): Promise<void>;
}

/**
 * The multi-provider token of ingest hooks. Any module may add one, as many modules as like:
 * `providers: [AlertsHook, { provide: DECISION_INGEST_HOOKS, useExisting: AlertsHook }]`
 * (useClass / useFactory / useValue work too; do not export the token). The decisions module
 * collects every provider of this token, in every module, when the application boots.
 */
export const DECISION_INGEST_HOOKS = Symbol('DECISION_INGEST_HOOKS');
