import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BaselineLearner } from '@thoth/policy';
import type { Logger } from 'pino';
import { ConcurrencyError } from '../../../../event-store/concurrency.error.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { metadataOf } from '../../../../platform/caller.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { LOGGER } from '../../../../platform/tokens.js';
import { DecisionRecordsRepository, type DecisionPosition } from '../../../decisions/index.js';
import { BASELINE_LEARNING, baselineStreamId, countsAsNormalUse, learnedPayload, requestOf, revisionOf } from '../../domain/baseline.js';
import { BaselineLearned } from '../../domain/events/baseline-learned.event.js';
import { BaselinesRepository } from '../../storage/baselines.repository.js';
import { LearnBaselinesCommand, type LearnBaselinesResult } from './learn-baselines.command.js';

const DAY_MS = 86_400_000;

/**
 * Reads the learning window's decisions page by page (memory bounded by the learner, not by
 * the window), learns every subject's baseline, and appends a `baseline.learned` event to
 * each subject's stream whose baseline should change. A baseline is a learned fact, not an
 * aggregate with invariants: its current state is the read model row, whose version is the
 * stream's (only this handler writes these streams); a concurrent learner that got there
 * first makes the append fail on its version, and that subject is left to it.
 */
@CommandHandler(LearnBaselinesCommand)
export class LearnBaselinesHandler implements ICommandHandler<LearnBaselinesCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(DecisionRecordsRepository) private readonly decisions: Pick<DecisionRecordsRepository, 'inWindow'>,
    @Inject(BaselinesRepository) private readonly baselines: Pick<BaselinesRepository, 'list'>,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute({ caller, trigger }: LearnBaselinesCommand): Promise<LearnBaselinesResult> {
    const { tenantId } = caller;
    const until = this.clock.now();
    const from = new Date(until.getTime() - BASELINE_LEARNING.windowDays * DAY_MS);
    const learner = new BaselineLearner({ maxValues: BASELINE_LEARNING.maxValuesPerDimension, maxSubjects: BASELINE_LEARNING.maxSubjects });
    let after: DecisionPosition | undefined;
    let read = 0;
    let used = 0;
    let truncated = false;
    for (;;) {
      const page = await this.decisions.inWindow(tenantId, { from, to: until, limit: BASELINE_LEARNING.pageSize, ...(after ? { after } : {}) });
      for (const r of page) {
        read++;
        if (!countsAsNormalUse(r)) continue;
        used++;
        learner.observe(r.decidedAt.getTime(), requestOf(r));
      }
      const last = page.at(-1);
      if (page.length < BASELINE_LEARNING.pageSize || last === undefined) break;
      if (read >= BASELINE_LEARNING.maxDecisions) {
        truncated = true;
        break;
      }
      after = { decidedAt: last.decidedAt, decisionId: last.decisionId };
    }
    const learned = learner.baselines();
    const stored = new Map((await this.baselines.list(tenantId)).map((b) => [`${b.subjectKind}\u0000${b.subjectId}`, b]));
    let recorded = 0;
    for (const l of learned) {
      const current = stored.get(`${l.baseline.subject}\u0000${l.baseline.id}`);
      const revision = revisionOf(current, l, BASELINE_LEARNING.minObservations);
      if (revision === undefined) continue;
      try {
        await this.store.append({
          tenantId,
          streamId: baselineStreamId(tenantId, l.baseline.subject, l.baseline.id),
          expectedVersion: current?.version ?? 0,
          events: [new BaselineLearned(learnedPayload(l, revision))],
          metadata: metadataOf(caller),
        });
        recorded++;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        this.logger.info({ tenantId, subject: `${l.baseline.subject}:${l.baseline.id}` }, 'baseline relearned concurrently elsewhere; keeping that one');
      }
    }
    if (truncated) this.logger.warn({ tenantId, read }, 'baseline learning read its maximum of decisions; the newest of the window were left out');
    this.logger.info({ tenantId, trigger, read, used, subjects: learned.length, recorded }, 'baselines learned');
    return { window: { from, until }, decisionsRead: read, decisionsLearnedFrom: used, subjects: learned.length, recorded, truncated };
  }
}
