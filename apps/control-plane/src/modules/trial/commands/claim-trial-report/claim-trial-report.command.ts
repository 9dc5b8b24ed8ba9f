import { Command } from '@nestjs/cqrs';

export type TrialReportClaim =
  | { readonly claimed: false }
  /** This replica records the day-seven report of `window` (the trial: [sign-up, end)). */
  | { readonly claimed: true; readonly attempt: number; readonly window: { readonly from: Date; readonly to: Date } };

/**
 * Records that the tenant's trial ended (first claim) or claims another attempt at its report
 * (after the lease). Of replicas claiming at once exactly one gets `claimed: true`.
 */
export class ClaimTrialReportCommand extends Command<TrialReportClaim> {
  constructor(
    readonly tenantId: string,
    readonly retryAfterMs: number,
  ) {
    super();
  }
}
