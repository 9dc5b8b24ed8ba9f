/** What GET /v1/tenant shows of a trial once it is past its end. */
export interface TrialProgressRow {
  /** When the trial scheduler recorded the end (null: not yet). */
  readonly endedAt: Date | null;
  /** The day-seven shadow report, once recorded. */
  readonly reportId: string | null;
}

/**
 * The port GET /v1/tenant reads a trial's end through. The trial context implements it with its
 * read model (TrialModule provides this token): tenants owns the port so that it never imports
 * trial, which builds on tenants (sign-up starts the trial).
 */
export abstract class TrialProgress {
  /** Undefined: no trial row for the tenant (yet). */
  abstract find(tenantId: string): Promise<TrialProgressRow | undefined>;
}
