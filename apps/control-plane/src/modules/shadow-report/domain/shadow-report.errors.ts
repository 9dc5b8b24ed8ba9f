import { DomainError } from '../../../shared/domain/domain-error.js';

/** Stable codes of the shadow-report context; the API puts them in problem+json `code`. */
export type ShadowReportErrorCode =
  | 'shadow_report.not_found'
  | 'shadow_report.window_invalid'
  | 'shadow_report.window_too_long'
  | 'shadow_report.too_many_decisions'
  | 'policy_replay.not_found'
  | 'view_link.not_found'
  | 'policy_replay.too_many_calls';

export class ShadowReportError extends DomainError {
  constructor(
    override readonly code: ShadowReportErrorCode,
    kind: DomainError['kind'],
    message: string,
    field?: string,
  ) {
    super(code, kind, message, field === undefined ? {} : { field });
    this.name = 'ShadowReportError';
  }
}

export const shadowReportNotFound = (): ShadowReportError => new ShadowReportError('shadow_report.not_found', 'not_found', 'no such shadow report');
export const policyReplayNotFound = (): ShadowReportError => new ShadowReportError('policy_replay.not_found', 'not_found', 'no such policy replay');
export const viewLinkNotFound = (): ShadowReportError => new ShadowReportError('view_link.not_found', 'not_found', 'no such view link of this report (unknown, or already revoked)');
