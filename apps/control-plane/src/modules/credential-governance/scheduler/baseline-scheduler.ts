import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { ControlPlaneConfig } from '../../../config/config.js';
import { EventRecorded } from '../../../event-store/event-store.js';
import { Clock } from '../../../platform/clock/clock.js';
import { PeriodicPass } from '../../../platform/scheduling/periodic-pass.js';
import { CONFIG, LOGGER } from '../../../platform/tokens.js';
import { DecisionRecordsRepository } from '../../decisions/index.js';
import { LearnBaselinesCommand, type LearnBaselinesResult } from '../commands/learn-baselines/learn-baselines.command.js';
import { BaselinesRepository } from '../storage/baselines.repository.js';

/** How often a replica relearns the baselines of tenants with new decisions. */
export const LEARN_INTERVAL_MS = 60 * 60 * 1000;
export const BASELINE_LEARNER = 'system:baseline-learning';
/**
 * Decisions are found by the enforcer's time, and arrive after it: ones decided up to this
 * long before the last learning still count as new (a second learning of the same is harmless).
 */
const ARRIVAL_GRACE_MS = 10 * 60 * 1000;

/**
 * Keeps baselines current: every LEARN_INTERVAL_MS (on replicas that distribute snapshots)
 * it relearns each tenant that has decided anything since this replica last learned it, and
 * it learns a tenant at once when its shadow trial ends. Replicas do not coordinate: learning
 * the same tenant twice records nothing the second time (no change), and two concurrent
 * learners meet on the baseline streams' versions. `runDue()` is one pass (tests drive it).
 */
@Injectable()
export class BaselineScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #passes: PeriodicPass<Map<string, LearnBaselinesResult>>;
  readonly #learnedAt = new Map<string, Date>();
  readonly #log: Logger;

  constructor(
    @Inject(BaselinesRepository) private readonly baselines: BaselinesRepository,
    @Inject(DecisionRecordsRepository) private readonly decisions: DecisionRecordsRepository,
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.#log = logger.child({ component: 'baseline-scheduler' });
    this.#passes = new PeriodicPass(() => this.#pass(), this.#log, 'baseline learning pass failed; the next one tries again');
  }

  onApplicationBootstrap(): void {
    if (this.config.distribution === undefined) return;
    this.#passes.start(LEARN_INTERVAL_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.#passes.stop();
  }

  /** One pass over the tenants; a pass already running is joined. Results by tenant learned. */
  runDue(): Promise<Map<string, LearnBaselinesResult>> {
    return this.#passes.run();
  }

  /** Learns one tenant now. */
  async learn(tenantId: string, trigger: LearnBaselinesCommand['trigger']): Promise<LearnBaselinesResult> {
    const at = this.clock.now();
    const result = await this.commands.execute(new LearnBaselinesCommand({ tenantId, actor: BASELINE_LEARNER, requestId: randomUUID() }, trigger));
    this.#learnedAt.set(tenantId, at);
    return result;
  }

  async #pass(): Promise<Map<string, LearnBaselinesResult>> {
    const results = new Map<string, LearnBaselinesResult>();
    for (const tenantId of await this.baselines.tenants()) {
      const since = this.#learnedAt.get(tenantId);
      const fresh = await this.decisions.inWindow(tenantId, { ...(since ? { from: new Date(since.getTime() - ARRIVAL_GRACE_MS) } : {}), limit: 1 });
      if (fresh.length === 0) continue;
      try {
        results.set(tenantId, await this.learn(tenantId, 'schedule'));
      } catch (error) {
        this.#log.error({ err: error, tenantId }, 'baseline learning failed for a tenant; the next pass tries again');
      }
    }
    return results;
  }
}

/** A tenant whose shadow trial ended (on this replica) gets its baselines from the whole window at once. */
@EventsHandler(EventRecorded)
export class TrialEndedBaselineTrigger implements IEventHandler<EventRecorded> {
  constructor(
    @Inject(BaselineScheduler) private readonly scheduler: BaselineScheduler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  handle({ record }: EventRecorded): void {
    if (record.type !== 'trial.ended') return;
    void this.scheduler.learn(record.tenantId, 'trial_ended').catch((error: unknown) =>
      this.logger.error({ err: error, tenantId: record.tenantId }, 'learning baselines at the end of the trial failed; the hourly pass tries again'),
    );
  }
}
