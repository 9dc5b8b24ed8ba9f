import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { QueryBus } from '@nestjs/cqrs';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { TenantDatabase } from '../../../platform/database/tenant-database.js';
import { CONTROL_PLANE_RECEIPT_KEY, LOGGER, TRACER } from '../../../platform/tokens.js';
import { ListReceiptKeysQuery } from '../../enforcers/index.js';
import { DECISION_INGEST_HOOKS, type DecisionIngestHook } from './decision-ingest-hook.js';
import { addOutcomes, DecisionIngestor, NO_OUTCOME, type IngestOutcome } from './decision-ingestor.js';
import { DecisionVerifier, type AnnouncedKey } from './decision-verifier.js';
import { startInProcessDecisionSource, type InProcessDecisionFeed } from './in-process-decision-source.js';
import { startKafkaDecisionSource, type KafkaDecisionSourceOptions, type PartitionLag, type RunningDecisionSource } from './kafka-decision-source.js';

/** Where the read model's decisions come from: Kafka (production), the in-process log (embedded), or nowhere. */
export interface DecisionsOptions {
  readonly kafka?: KafkaDecisionSourceOptions;
  readonly feed?: InProcessDecisionFeed;
}

export const DECISIONS_OPTIONS = Symbol('DecisionsOptions');

/**
 * Starts ingestion once every module is up (so every ingest hook is known) and stops it before
 * the database goes. `totals()` counts what was ingested, skipped and refused since boot.
 */
@Injectable()
export class DecisionIngestion implements OnApplicationBootstrap, OnApplicationShutdown {
  #source: RunningDecisionSource | undefined;
  #totals: IngestOutcome = NO_OUTCOME;
  #ingestor: DecisionIngestor | undefined;

  constructor(
    @Inject(DECISIONS_OPTIONS) private readonly options: DecisionsOptions,
    @Inject(TenantDatabase) private readonly database: TenantDatabase,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(CONTROL_PLANE_RECEIPT_KEY) private readonly ownKey: AnnouncedKey | null = null,
    @Optional() @Inject(TRACER) private readonly tracer: Tracer | null = null,
  ) {}

  /** What was ingested, skipped and refused since boot. */
  totals(): IngestOutcome {
    return this.#totals;
  }

  /** Per partition, decisions on the topic not ingested yet (undefined: not fed from Kafka). */
  async lag(): Promise<PartitionLag[] | undefined> {
    return this.#source?.lag?.();
  }

  /** The ingestor with every registered hook (after boot). */
  get ingestor(): DecisionIngestor {
    if (!this.#ingestor) throw new Error('decision ingestion is not started yet');
    return this.#ingestor;
  }

  onApplicationBootstrap(): void {
    const log = this.logger.child({ component: 'decision-ingestion' });
    const hooks = this.#hooks();
    // The tenant's enforcers' keys, and the control plane's own (its approvals), valid for every tenant.
    const own = this.ownKey ? [this.ownKey] : [];
    const verifier = new DecisionVerifier(async (tenantId) => [...(await this.queries.execute(new ListReceiptKeysQuery(tenantId))), ...own]);
    this.#ingestor = new DecisionIngestor(this.database, hooks, verifier, log);
    const count = (outcome: IngestOutcome) => {
      this.#totals = addOutcomes(this.#totals, outcome);
    };
    if (this.options.feed) {
      this.#source = startInProcessDecisionSource(this.options.feed, this.#ingestor, log, count);
    } else if (this.options.kafka) {
      this.#source = startKafkaDecisionSource(this.#ingestor, { ...this.options.kafka, tracer: this.tracer ?? undefined }, log, count);
    } else {
      log.warn('decision ingestion is off: no KAFKA_BROKERS (and no in-process decision log); the decisions API and shadow reports see nothing new');
      return;
    }
    log.info({ hooks: hooks.map((h) => h.constructor.name) }, 'decision ingest hooks');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#source?.stop();
    this.#source = undefined;
  }

  /** Every provider of DECISION_INGEST_HOOKS, in every module (Nest has no multi-providers). */
  #hooks(): DecisionIngestHook[] {
    const hooks = new Set<DecisionIngestHook>();
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.token !== DECISION_INGEST_HOOKS || !wrapper.instance) continue;
      const instance = wrapper.instance as Partial<DecisionIngestHook>;
      if (typeof instance.onRecorded !== 'function') throw new Error(`a DECISION_INGEST_HOOKS provider in ${wrapper.host?.name ?? 'a module'} has no onRecorded(tx, tenantId, records)`);
      hooks.add(instance as DecisionIngestHook);
    }
    return [...hooks];
  }
}
