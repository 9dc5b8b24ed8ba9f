import { Command } from '@nestjs/cqrs';

/** Why a shadow report was produced: the trial reached day seven, or someone asked for one. */
export type ShadowReportTrigger = 'trial_ended' | 'on_demand';

/**
 * Produces and stores a shadow report of the tenant's decisions in [from, to) (default: the
 * trial window, or the last seven days when the trial is over). Returns the new report's id.
 * Dispatched at day seven when the trial announces its end (DaySevenReportTrigger, actor
 * 'system:trial-scheduler') and by the API.
 */
export class GenerateShadowReportCommand extends Command<{ reportId: string }> {
  constructor(
    readonly tenantId: string,
    readonly trigger: ShadowReportTrigger,
    readonly actor: string,
    readonly window?: { readonly from: Date; readonly to: Date },
  ) {
    super();
  }
}
