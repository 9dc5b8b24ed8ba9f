import { DomainError } from '../../../shared/domain/domain-error.js';
import type { Retention } from './tenant-settings.js';

/**
 * Why these numbers (docs/retention.md): the day-seven shadow report reads the trial's seven days
 * of decisions and arguments, so neither may be kept for less; ten years bounds what a typo keeps.
 * The defaults are also the tenants table's column defaults (migration 0022).
 */
export const RETENTION_LIMITS = { minDays: 7, maxDays: 3650 } as const;
export const DEFAULT_RETENTION: Retention = { decisionDays: 90, argumentDays: 30 };

/** A retention a tenant may choose: whole days within the limits, arguments kept no longer than their decisions. */
export function checkRetention(retention: Retention): void {
  for (const [field, days] of Object.entries(retention)) {
    if (!Number.isInteger(days) || days < RETENTION_LIMITS.minDays || days > RETENTION_LIMITS.maxDays) {
      throw new DomainError('tenant.retention_invalid', 'invalid', `${field} must be a whole number of days from ${RETENTION_LIMITS.minDays} to ${RETENTION_LIMITS.maxDays}`);
    }
  }
  if (retention.argumentDays > retention.decisionDays) {
    throw new DomainError('tenant.retention_invalid', 'invalid', 'argumentDays must not exceed decisionDays: arguments are kept with their decision');
  }
}
