import { toBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema, type DecisionEvent } from '@thoth/contracts';
import type { Logger } from 'pino';
import type { TenantDatabase } from '../../../platform/database/tenant-database.js';
import type { DecisionRecord } from '../domain/decision-record.js';
import { DecisionQuarantineRepository } from '../storage/decision-quarantine.repository.js';
import { DecisionRecordsRepository } from '../storage/decision-records.repository.js';
import { decodeDecisionMessage, freeText, type IncomingDecision } from './decode-decision-event.js';
import type { DecisionIngestHook } from './decision-ingest-hook.js';
import type { DecisionVerifier, QuarantineCode } from './decision-verifier.js';

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
  /** Decisions not believed (their receipt does not verify as the tenant's enforcer's), by reason: in decision_quarantine. */
  readonly quarantined: Readonly<Partial<Record<QuarantineCode, number>>>;
}

export const NO_OUTCOME: IngestOutcome = { inserted: 0, duplicates: 0, poison: 0, unknownTenant: 0, unattributed: 0, quarantined: {} };

export function addOutcomes(a: IngestOutcome, b: IngestOutcome): IngestOutcome {
  return {
    inserted: a.inserted + b.inserted,
    duplicates: a.duplicates + b.duplicates,
    poison: a.poison + b.poison,
    unknownTenant: a.unknownTenant + b.unknownTenant,
    unattributed: a.unattributed + b.unattributed,
    quarantined: addCounts(a.quarantined, b.quarantined),
  };
}

function addCounts(a: IngestOutcome['quarantined'], b: IngestOutcome['quarantined']): IngestOutcome['quarantined'] {
  const sum: Partial<Record<QuarantineCode, number>> = { ...a };
  for (const [code, n] of Object.entries(b) as Array<[QuarantineCode, number]>) sum[code] = (sum[code] ?? 0) + n;
  return sum;
}

interface Incoming {
  readonly record: DecisionRecord;
  readonly event: DecisionEvent;
  /** The Kafka message's value the event was decoded from. */
  readonly bytes: Uint8Array | undefined;
  readonly from: string;
}

/**
 * Writes a batch of the decision stream into the read model: grouped by tenant, one transaction
 * per tenant under its RLS, INSERT … ON CONFLICT DO NOTHING, then the ingest hooks with the rows
 * that were new, in the same transaction. The caller acknowledges the batch (commits its Kafka
 * offsets) only after this resolves, so every decision is stored exactly once however often it
 * is delivered. A decision is stored only if its receipt verifies as signed by an enforcer of its
 * tenant (DecisionVerifier); one that does not is quarantined with its reason, apart from the
 * tenant's rows, so it reaches no read model row and no hook. Poison never blocks: it is counted,
 * logged and skipped; a tenant transaction that Postgres refuses for its data (SQLSTATE class 22,
 * in the insert or in a hook) is retried one record at a time to find it.
 * Any other failure rejects, and the whole batch comes again.
 */
export class DecisionIngestor {
  readonly #known = new Set<string>();

  constructor(
    private readonly database: TenantDatabase,
    private readonly hooks: readonly DecisionIngestHook[],
    private readonly verifier: DecisionVerifier,
    private readonly log: Logger,
  ) {}

  async ingest(items: readonly IngestItem[]): Promise<IngestOutcome> {
    let outcome: IngestOutcome = NO_OUTCOME;
    const byTenant = new Map<string, Incoming[]>();
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
      let incoming = byTenant.get(record.tenantId);
      if (!incoming) byTenant.set(record.tenantId, (incoming = []));
      incoming.push({ record, event: decision.event, bytes: decision.bytes, from });
    }
    for (const [tenantId, incoming] of byTenant) {
      const { verdicts, learned } = await this.verifier.verify(tenantId, incoming.map((d) => d.event), incoming.map((d) => d.bytes));
      const quarantine: Array<Incoming & { code: QuarantineCode; reason: string }> = [];
      // Verified first: a forged copy of a decision id must not make the real one a duplicate.
      const decisions = new Map<string, Incoming>();
      incoming.forEach((d, i) => {
        const verdict = verdicts[i]!;
        if (!verdict.ok) quarantine.push({ ...d, code: verdict.code, reason: verdict.reason });
        // The same decision twice in one batch (a redelivery): the first is the one.
        else if (decisions.has(d.record.decisionId)) outcome = addOutcomes(outcome, { ...NO_OUTCOME, duplicates: 1 });
        else decisions.set(d.record.decisionId, d);
      });
      outcome = addOutcomes(outcome, await this.#quarantine(tenantId, quarantine));
      if (decisions.size > 0) outcome = addOutcomes(outcome, await this.#ingestTenant(tenantId, [...decisions.values()]));
      if (learned.length > 0) outcome = addOutcomes(outcome, await this.#release(tenantId, learned));
    }
    return outcome;
  }

  /**
   * The release pass: decisions quarantined as receipt.unknown_key because their key was not
   * recorded yet (an enforcer restored from disk decides before its Hello is recorded) are
   * ingested again once the key is known, and leave quarantine only after that is stored. Runs
   * when this replica learns of a key: at its first look at a tenant's keys, and whenever a
   * decision's key makes it look again (the next decision of the enforcer that announced it).
   */
  async #release(tenantId: string, keyIds: readonly string[]): Promise<IngestOutcome> {
    const held = await this.database.transaction(tenantId, (tx) => DecisionQuarantineRepository.signedByUnknownKeys(tx, tenantId, keyIds));
    if (held.length === 0) return NO_OUTCOME;
    const outcome = await this.ingest(held.map(({ event, origin }) => ({ decision: decodeDecisionMessage(event), from: origin })));
    await this.database.transaction(tenantId, (tx) => DecisionQuarantineRepository.release(tx, tenantId, held));
    this.log.info({ tenantId, keyIds, released: held.length }, 'decisions quarantined before their key was announced: ingested again');
    return outcome;
  }

  /** Kept for operators under the tenant the events name, counted by reason. */
  async #quarantine(tenantId: string, rejected: ReadonlyArray<Incoming & { code: QuarantineCode; reason: string }>): Promise<IngestOutcome> {
    if (rejected.length === 0) return NO_OUTCOME;
    const quarantined: Partial<Record<QuarantineCode, number>> = {};
    for (const { record, from, code, reason } of rejected) {
      this.log.warn({ from, tenantId: record.tenantId, decisionId: record.decisionId, enforcerId: record.enforcerId, code, reason }, 'decision not believed: quarantined');
      quarantined[code] = (quarantined[code] ?? 0) + 1;
    }
    await this.database.transaction(tenantId, (tx) =>
      DecisionQuarantineRepository.insert(
        tx,
        rejected.map(({ record, event, from, code, reason }) => ({
          origin: from,
          decisionId: record.decisionId,
          tenantId: record.tenantId,
          enforcerId: record.enforcerId,
          // What a forger wrote: stored as Postgres can store it (the event bytes keep it as sent).
          keyId: freeText(event.receipt?.keyId ?? ''),
          reasonCode: code,
          reason: freeText(reason),
          event: toBinary(DecisionEventSchema, event),
        })),
      ),
    );
    return { ...NO_OUTCOME, quarantined };
  }

  async #ingestTenant(tenantId: string, decisions: readonly Incoming[]): Promise<IngestOutcome> {
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
