import { toBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema, type DecisionEvent } from '@thoth/contracts';
import type { SqlSession } from '@thoth/db';
import type { Logger } from 'pino';
import type { DecisionFolder, FoldOutcome, SourceMessage } from '../fold/decision-folder.js';
import { readStoredOffsets } from '../fold/fold.repository.js';
import type { DecisionConsumer } from './decision-consumer.js';

/**
 * Where the ledger's decisions come from: the Kafka consumer (production, `decision-consumer.ts`)
 * or, in the embedded default, the enforcer's in-process decision log (this file). Both fold with
 * the same DecisionFolder, so the exactly-once bookkeeping is the same.
 */
export interface DecisionSourceContext {
  readonly sql: SqlSession;
  readonly folder: DecisionFolder;
  readonly log: Logger;
  readonly groupId: string;
  readonly onFolded?: (outcome: FoldOutcome, partition: number) => void;
}

export type DecisionSource = (context: DecisionSourceContext) => Promise<DecisionConsumer>;

/**
 * What an in-process decision log offers, structurally (the enforcer's InProcessDecisionLog):
 * batches in publish order to each subscriber; a batch whose handler throws is delivered again
 * (the same events first, possibly followed by more).
 */
export interface InProcessDecisionFeed {
  subscribe(handler: (events: readonly DecisionEvent[]) => Promise<void>): () => void;
}

/** The synthetic "topic" the in-process source folds under, on one partition. */
export const IN_PROCESS_TOPIC = 'thoth.in-process';
const PARTITION = 0;
const encoder = new TextEncoder();

/**
 * Folds the in-process log's batches as if they came from one Kafka partition: each event gets a
 * synthetic offset continuing from the one stored in ledger_offsets, the batch folds in one
 * transaction with that offset, and a redelivered batch (the fold threw) gets the same offsets
 * again, so whatever did commit is skipped. Decision ids are unique in the ledger on top of that:
 * an event re-offered under a new offset is a duplicate, never a second entry.
 */
export function inProcessSource(feed: InProcessDecisionFeed, options: { topic?: string } = {}): DecisionSource {
  const topic = options.topic ?? IN_PROCESS_TOPIC;
  return async ({ sql, folder, log, groupId, onFolded }) => {
    let next = (await readStoredOffsets(sql, groupId, topic)).get(PARTITION) ?? 0;
    let inFlight: Promise<void> = Promise.resolve();
    let stopped = false;

    const foldBatch = async (events: readonly DecisionEvent[]): Promise<void> => {
      let remaining: readonly DecisionEvent[] = events;
      while (remaining.length > 0) {
        const messages: SourceMessage[] = remaining.map((event, i) => ({
          offset: next + i,
          key: encoder.encode(`${event.tenantId}/${event.agentId}`),
          value: toBinary(DecisionEventSchema, event),
        }));
        const outcome = await folder.fold(topic, PARTITION, messages);
        if (outcome.resumeAt !== undefined) {
          // Our counter ran ahead of the stored offset (nothing was written): continue from it.
          next = outcome.resumeAt;
          continue;
        }
        onFolded?.(outcome, PARTITION);
        // Messages below the stored offset were numbered from a counter that fell behind (an
        // earlier attempt committed, or another writer moved the offset): offer them again from
        // the stored offset. Those already folded come back as duplicates by decision id.
        remaining = remaining.slice(0, outcome.stale);
        next = outcome.nextOffset;
      }
    };

    const unsubscribe = feed.subscribe(async (events) => {
      if (stopped) throw new Error('ledger source stopped');
      const run = foldBatch(events);
      inFlight = run.catch(() => undefined);
      try {
        await run;
      } catch (error) {
        log.warn({ err: error, events: events.length }, 'in-process fold failed; the batch will be redelivered');
        throw error;
      }
    });
    log.info({ topic, partition: PARTITION, nextOffset: next }, 'folding decisions from the in-process decision log');

    return {
      stop: async () => {
        stopped = true;
        unsubscribe();
        await inFlight;
      },
    };
  };
}
