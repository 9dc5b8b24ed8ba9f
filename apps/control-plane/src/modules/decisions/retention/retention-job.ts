import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ControlPlaneConfig } from '../../../config/config.js';
import { EventStore } from '../../../event-store/event-store.js';
import { Clock } from '../../../platform/clock/clock.js';
import { PeriodicPass } from '../../../platform/scheduling/periodic-pass.js';
import { CONFIG, LOGGER } from '../../../platform/tokens.js';
import { RetentionApplied, type RetentionRemoval } from '../domain/events/retention-applied.event.js';
import { DecisionRetentionRepository, type TenantRetention } from '../storage/decision-retention.repository.js';

/** What one retention run removed, per tenant that had anything past its retention. */
export interface RetentionRun {
  readonly ranAt: Date;
  readonly tenants: ReadonlyArray<{ readonly tenantId: string; readonly decisionsDeleted: number; readonly argumentsCleared: number }>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows a transaction deletes or clears: short transactions, short locks, whatever the backlog. */
export const RETENTION_BATCH = 1000;
const TENANT_PAGE = 100;
export const RETENTION_ACTOR = 'system:retention';

/**
 * Keeps each tenant's decision read model within its retention (docs/retention.md). A run reads
 * the tenants' retention across tenants (SECURITY DEFINER thoth_retention_tenants) and, tenant by
 * tenant under its RLS, deletes the decisions past the decisions' retention and clears the
 * retained arguments of those kept past the arguments', RETENTION_BATCH rows a transaction, on
 * the injectable Clock. A tenant it removed anything of gets a `retention.applied` event in its audit
 * trail (what, how many, decided before when), on a stream of its own per run, so replicas running
 * at once never conflict (each records what it removed). `runDue()` is the run (tests drive it);
 * in production it runs every config.retention.tickMs.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #passes: PeriodicPass<RetentionRun>;
  readonly #log: Logger;

  constructor(
    @Inject(DecisionRetentionRepository) private readonly records: DecisionRetentionRepository,
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.#log = logger.child({ component: 'retention-job' });
    this.#passes = new PeriodicPass(() => this.#pass(), this.#log, 'retention run failed; the next tick tries again');
  }

  onApplicationBootstrap(): void {
    const tickMs = this.config.retention?.tickMs;
    if (tickMs === undefined) return;
    this.#passes.start(tickMs);
    this.#log.info({ tickMs }, 'retention job started');
  }

  onApplicationShutdown(): Promise<void> {
    return this.#passes.stop();
  }

  /** One run; a run already going is joined, not doubled. */
  runDue(): Promise<RetentionRun> {
    return this.#passes.run();
  }

  async #pass(): Promise<RetentionRun> {
    const ranAt = this.clock.now();
    const runId = randomUUID();
    const tenants: Array<RetentionRun['tenants'][number]> = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.records.tenants(after, TENANT_PAGE);
      for (const retention of page) {
        const removed = await this.#applyTo(retention, ranAt, runId);
        if (removed) tenants.push(removed);
      }
      if (page.length < TENANT_PAGE) break;
      after = page.at(-1)!.tenantId;
    }
    this.#log.info(
      {
        tenants: tenants.length,
        decisionsDeleted: tenants.reduce((n, t) => n + t.decisionsDeleted, 0),
        argumentsCleared: tenants.reduce((n, t) => n + t.argumentsCleared, 0),
      },
      'retention run done',
    );
    return { ranAt, tenants };
  }

  async #applyTo(retention: TenantRetention, ranAt: Date, runId: string): Promise<RetentionRun['tenants'][number] | undefined> {
    const { tenantId } = retention;
    // Decisions first: clearing the arguments of records about to be deleted would be work for nothing.
    const decisionsDeleted = removal(ranAt, retention.decisionDays, await inBatches((limit) => this.records.deleteDecidedBefore(tenantId, cutoff(ranAt, retention.decisionDays), limit)));
    const argumentsCleared = removal(ranAt, retention.argumentDays, await inBatches((limit) => this.records.clearArgumentsBefore(tenantId, cutoff(ranAt, retention.argumentDays), limit)));
    if (argumentsCleared.count === 0 && decisionsDeleted.count === 0) return undefined;
    await this.store.append({
      tenantId,
      streamId: `retention-${tenantId}-${runId}`,
      expectedVersion: 0,
      events: [new RetentionApplied({ ranAt: ranAt.toISOString(), decisionsDeleted, argumentsCleared })],
      metadata: { actor: RETENTION_ACTOR, requestId: runId },
    });
    this.#log.info({ tenantId, decisionsDeleted, argumentsCleared }, 'retention applied');
    return { tenantId, decisionsDeleted: decisionsDeleted.count, argumentsCleared: argumentsCleared.count };
  }
}

const cutoff = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

const removal = (now: Date, days: number, count: number): RetentionRemoval => ({ count, decidedBefore: cutoff(now, days).toISOString(), days });

/** Runs `batch` until one removes fewer than a full batch; the total removed. */
async function inBatches(batch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch(RETENTION_BATCH);
    total += n;
    if (n < RETENTION_BATCH) return total;
  }
}
