import type { DecisionEvent } from '@thoth/contracts';
import type { Logger } from 'pino';
import { recordOfEvent } from './decode-decision-event.js';
import type { DecisionIngestor, IngestOutcome } from './decision-ingestor.js';
import type { RunningDecisionSource } from './kafka-decision-source.js';

/**
 * What the embedded mode's in-process decision log offers, structurally (the enforcer's
 * InProcessDecisionLog): batches in publish order to each subscriber; a batch whose handler
 * throws is delivered again.
 */
export interface InProcessDecisionFeed {
  subscribe(handler: (events: readonly DecisionEvent[]) => Promise<void>): () => void;
  /** Where the control plane's own decisions go (approvals, docs/approvals.md), when the log takes them. */
  publish?(event: DecisionEvent): void;
}

/** Feeds the read model from the in-process log: a failed batch throws, and comes again. */
export function startInProcessDecisionSource(
  feed: InProcessDecisionFeed,
  ingestor: DecisionIngestor,
  log: Logger,
  onIngested: (outcome: IngestOutcome) => void,
): RunningDecisionSource {
  let inFlight: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const unsubscribe = feed.subscribe(async (events) => {
    if (stopped) throw new Error('decision ingestion stopped');
    const run = ingestor.ingest(events.map((event) => ({ decision: recordOfEvent(event), from: 'in-process' })));
    inFlight = run.catch(() => undefined);
    try {
      onIngested(await run);
    } catch (error) {
      log.warn({ err: error, events: events.length }, 'decision ingestion failed; the batch will be redelivered');
      throw error;
    }
  });
  log.info('decision ingestion from the in-process decision log started');
  return {
    stop: async () => {
      stopped = true;
      unsubscribe();
      await inFlight;
    },
  };
}
