import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DecisionRecord } from '../domain/decision-record.js';
import { DecisionRecordsRepository, type DecisionFilters, type IngestPosition } from '../storage/decision-records.repository.js';

/** Records read per query: what one connection holds at a time, at most. */
export const FEED_BATCH = 100;
/** How long a follower waits for new records before it asks again. */
const POLL_MS = 500;

/**
 * A tenant's decisions as they are ingested, for GET /v1/decisions/stream: oldest first after a
 * position in the order of the transactions that inserted them (DecisionRecordsRepository
 * .ingestedAfter), read below the oldest transaction still running, so that a decision ingested
 * late — a slow partition, another replica's transaction committing after a newer one — is sent
 * in its place rather than passed over. It reads the read model, not the ingestion: every replica
 * ingests only its share of the decision topic, and the read model holds all of it, on Postgres as
 * on PGlite. Each read is one tenant transaction under RLS, like every read. A batch is handed over
 * only when the previous one was taken, so a follower never holds more than FEED_BATCH records.
 *
 * Every follower ends when the application shuts down, before the HTTP server closes: an open
 * stream would otherwise keep it from closing for as long as its client stays.
 */
@Injectable()
export class DecisionFeed implements BeforeApplicationShutdown {
  readonly #closing = new AbortController();

  constructor(@Inject(DecisionRecordsRepository) private readonly decisions: DecisionRecordsRepository) {}

  beforeApplicationShutdown(): void {
    this.#closing.abort();
  }

  /** Where a stream of the decisions ingested from now on starts. */
  now(tenantId: string): Promise<IngestPosition> {
    return this.decisions.ingestHorizon(tenantId);
  }

  async *follow(tenantId: string, from: IngestPosition, filters: DecisionFilters, until: AbortSignal): AsyncGenerator<Array<{ record: DecisionRecord; position: IngestPosition }>> {
    const signal = AbortSignal.any([until, this.#closing.signal]);
    let after = from;
    while (!signal.aborted) {
      const batch = await this.decisions.ingestedAfter(tenantId, { filters, after, limit: FEED_BATCH });
      const last = batch.at(-1);
      if (last) {
        after = last.position;
        yield batch;
      }
      if (batch.length < FEED_BATCH) await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
