import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
import type { PolicyVersionPublishedPayload } from './policy-version-published.event.js';

/** A version published whose content repeats an earlier one's; `version` is the new one (versions only go up). */
export interface PolicyRolledBackPayload extends PolicyVersionPublishedPayload {
  /** The earlier version whose content this version repeats. */
  readonly rolledBackTo: number;
}

export class PolicyRolledBack extends DomainEventClass('policy.rolled_back')<PolicyRolledBackPayload> {}
