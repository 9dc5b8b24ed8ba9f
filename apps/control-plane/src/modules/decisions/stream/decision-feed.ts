import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DecisionRecord } from '../domain/decision-record.js';
import { DecisionRecordsRepository, type DecisionFilters, type DecisionPosition } from '../storage/decision-records.repository.js';

/** Records read per query: what one connection holds at a time, at most. */
export const FEED_BATCH = 100;
/** How long a follower waits for new records before it asks again. */
const POLL_MS = 500;

/**
 * A tenant's decisions as they are ingested, for GET /v1/decisions/stream: oldest first after a
 * position in (decided_at, decision_id) order, the order and the cursor of search. It reads the
 * read model, not the ingestion: every replica ingests only its share of the decision topic, and
 * the read model holds all of it, on Postgres as on PGlite. Each read is one tenant transaction
 * under RLS, like every read. A batch is handed over only when the previous one was taken, so a
 * follower never holds more than FEED_BATCH records.
 *
 * A decision ingested after later-decided ones were already handed over (a slow partition) sorts
 * before the position and is not sent; search finds it.
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

  async *follow(tenantId: string, from: DecisionPosition, filters: DecisionFilters, until: AbortSignal): AsyncGenerator<DecisionRecord[]> {
    const signal = AbortSignal.any([until, this.#closing.signal]);
    let after = from;
    while (!signal.aborted) {
      const records = await this.decisions.inWindow(tenantId, { filters, after, limit: FEED_BATCH });
      const last = records.at(-1);
      if (last) {
        after = { decidedAt: last.decidedAt, decisionId: last.decisionId };
        yield records;
      }
      if (records.length < FEED_BATCH) await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
