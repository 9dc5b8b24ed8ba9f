import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { PolicyFormat } from '../../../policies/index.js';
import type { ReplayBaseline } from '../../domain/policy-replay.js';
import type { ReportWindow } from '../../domain/report-window.js';

/**
 * Re-decides the window's recorded decisions under a candidate policy (validated as publishing
 * validates it), stores what changed and returns the replay's id. Nothing is published.
 */
export class RunPolicyReplayCommand extends Command<{ replayId: string }> {
  constructor(
    readonly caller: Caller,
    readonly source: string,
    readonly format: PolicyFormat,
    readonly baseline: ReplayBaseline,
    readonly window?: ReportWindow,
  ) {
    super();
  }
}
