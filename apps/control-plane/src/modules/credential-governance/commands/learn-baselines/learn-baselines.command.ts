import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

export interface LearnBaselinesResult {
  /** The decisions read: [from, until). */
  readonly window: { readonly from: Date; readonly until: Date };
  readonly decisionsRead: number;
  /** Of those, the ones that count as normal use. */
  readonly decisionsLearnedFrom: number;
  /** Subjects (credentials and agents) with a learned baseline. */
  readonly subjects: number;
  /** Baselines recorded (new, changed or grown); the others were kept as stored. */
  readonly recorded: number;
  /** True when the window held more decisions than one learning reads (the newest were left out). */
  readonly truncated: boolean;
}

/**
 * Relearns the tenant's baselines from its recorded decisions and records those that changed
 * (a `baseline.learned` event each): enforcers get them with the next snapshot.
 */
export class LearnBaselinesCommand extends Command<LearnBaselinesResult> {
  constructor(
    readonly caller: Caller,
    readonly trigger: 'schedule' | 'trial_ended' | 'api',
  ) {
    super();
  }
}
