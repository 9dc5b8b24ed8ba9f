import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

/** One kind of data the retention job removed, how much of it, and up to when (exclusive). */
export interface RetentionRemoval {
  readonly count: number;
  /** ISO time: what was decided before it was past the tenant's retention. */
  readonly decidedBefore: string;
  /** The tenant's retention, in days, that set the cutoff. */
  readonly days: number;
}

export interface RetentionAppliedPayload {
  /** When the run looked (the job's clock). */
  readonly ranAt: string;
  /** Decision records deleted from the read model. */
  readonly decisionsDeleted: RetentionRemoval;
  /** Retained arguments cleared from records kept longer than their arguments. */
  readonly argumentsCleared: RetentionRemoval;
}

/** A retention run removed some of the tenant's decisions or their arguments: the audit trail's record of it. */
export class RetentionApplied extends DomainEventClass('retention.applied')<RetentionAppliedPayload> {}
