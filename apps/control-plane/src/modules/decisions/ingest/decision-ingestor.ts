import type { Logger } from 'pino';
import type { TenantDatabase } from '../../../platform/database/tenant-database.js';
import type { DecisionRecord } from '../domain/decision-record.js';
import { DecisionRecordsRepository } from '../storage/decision-records.repository.js';
import type { IncomingDecision } from './decode-decision-event.js';
import type { DecisionIngestHook } from './decision-ingest-hook.js';

/** One message of the decision stream and where it came from (for logs). */
export interface IngestItem {
  readonly decision: IncomingDecision;
  /** e.g. `thoth.decisions/3@1207`. */
  readonly from: string;
}

export interface IngestOutcome {
  /** New rows in the read model (hooks saw exactly these). */
  readonly inserted: number;
  /** Decisions already stored: a redelivery. */
  readonly duplicates: number;
  /** Messages that are not storable decisions (undecodable, invalid, refused by Postgres). */
  readonly poison: number;
  /** Decisions for a tenant id no tenant has. */
  readonly unknownTenant: number;
  /** Decisions not made on the tenant's config (config version 0: NOT_READY, UNKNOWN_TENANT). */
  readonly unattributed: number;
}

export const NO_OUTCOME: IngestOutcome = { inserted: 0, duplicates: 0, poison: 0, unknownTenant: 0, unattributed: 0 };

export function addOutcomes(a: IngestOutcome, b: IngestOutcome): IngestOutcome {
  return {
    inserted: a.inserted + b.inserted,
    duplicates: a.duplicates + b.duplicates,
    poison: a.poison + b.poison,
    unknownTenant: a.unknownTenant + b.unknownTenant,
    unattributed: a.unattributed + b.unattributed,
  };
}

/**
 * Writes a batch of the decision stream into the read model: grouped by tenant, one transaction
 * per tenant under its RLS, INSERT … ON CONFLICT DO NOTHING, then the ingest hooks with the rows
 * that were new, in the same transaction. The caller acknowledges the batch (commits its Kafka
 * offsets) only after this resolves, so every decision is stored exactly once however often it
 * is delivered. Poison never blocks: it is counted, logged and skipped; a tenant transaction that
 * Postgres refuses for its data (SQLSTATE class 22, in the insert or in a hook) is retried one
 * record at a time to find it.
 * Any other failure rejects, and the whole batch comes again.
 */
export class DecisionIngestor {
  readonly #known = new Set<string>();

  constructor(
    private readonly database: TenantDatabase,
    private readonly hooks: readonly DecisionIngestHook[],
    private readonly log: Logger,
  ) {}

  async ingest(items: readonly IngestItem[]): Promise<IngestOutcome> {
    let outcome: IngestOutcome = NO_OUTCOME;
    const byTenant = new Map<string, Map<string, { record: DecisionRecord; from: string }>>();
    for (const { decision, from } of items) {
      if (!decision.ok) {
        this.log.warn({ from, code: decision.code, reason: decision.reason }, 'decision message skipped (poison)');
        outcome = addOutcomes(outcome, { ...NO_OUTCOME, poison: 1 });
        continue;
      }
      const { record } = decision;
      if (record.configVersion === 0) {
        this.log.warn({ from, tenantId: record.tenantId, decisionId: record.decisionId, errorCode: record.errorCode }, 'decision not made on a tenant config: not attributed to the tenant');
        outcome = addOutcomes(outcome, { ...NO_OUTCOME, unattributed: 1 });
        continue;
      }
      let decisions = byTenant.get(record.tenantId);
      if (!decisions) byTenant.set(record.tenantId, (decisions = new Map()));
      // The same decision twice in one batch (a redelivery): the first is the one.
      if (decisions.has(record.decisionId)) outcome = addOutcomes(outcome, { ...NO_OUTCOME, duplicates: 1 });
      else decisions.set(record.decisionId, { record, from });
    }
    for (const [tenantId, decisions] of byTenant) {
      outcome = addOutcomes(outcome, await this.#ingestTenant(tenantId, [...decisions.values()]));
    }
    return outcome;
  }

  async #ingestTenant(tenantId: string, decisions: ReadonlyArray<{ record: DecisionRecord; from: string }>): Promise<IngestOutcome> {
    try {
      return await this.#write(tenantId, decisions.map((d) => d.record));
    } catch (error) {
      // A value refused anywhere in the tenant's transaction (the insert or a hook's writes) is the content's fault.
      if (!(error instanceof UnstorableDecisions) && !isDataError(error)) throw error;
      if (decisions.length === 1) {
        const [only] = decisions;
        this.log.warn({ from: only?.from, tenantId, decisionId: only?.record.decisionId, err: error instanceof UnstorableDecisions ? error.cause : error }, 'decision refused by Postgres: skipped (poison)');
        return { ...NO_OUTCOME, poison: 1 };
      }
    }
    // One of them is not storable: find it, one record per transaction.
    let outcome = NO_OUTCOME;
    for (const decision of decisions) outcome = addOutcomes(outcome, await this.#ingestTenant(tenantId, [decision]));
    return outcome;
  }

  async #write(tenantId: string, records: readonly DecisionRecord[]): Promise<IngestOutcome> {
    return this.database.transaction(tenantId, async (tx) => {
      if (!this.#known.has(tenantId)) {
        if (!(await DecisionRecordsRepository.tenantExists(tx, tenantId))) {
          this.log.warn({ tenantId, decisions: records.length, first: records[0]?.decisionId }, 'decisions for a tenant that does not exist: skipped');
          return { ...NO_OUTCOME, unknownTenant: records.length };
        }
        // Tenants are never deleted: once seen, no need to look again.
        this.#known.add(tenantId);
      }
      const inserted = await DecisionRecordsRepository.insertNew(tx, records).catch((error: unknown) => {
        throw isDataError(error) ? new UnstorableDecisions(error) : error;
      });
      if (inserted.length > 0) {
        for (const hook of this.hooks) await hook.onRecorded(tx, tenantId, inserted);
      }
      return { ...NO_OUTCOME, inserted: inserted.length, duplicates: records.length - inserted.length };
    });
  }
}

/** Postgres refused the values of an insert (not the database being away, not a hook failing). */
class UnstorableDecisions extends Error {
  constructor(cause: unknown) {
    super('Postgres refused the decisions\' values', { cause });
  }
}

/** SQLSTATE class 22, data exception (on the error or one of its causes). */
function isDataError(error: unknown): boolean {
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}
