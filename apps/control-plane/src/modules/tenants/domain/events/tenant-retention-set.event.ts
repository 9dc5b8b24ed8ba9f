import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
import type { Retention } from '../tenant-settings.js';

export interface TenantRetentionSetPayload extends Retention {
  readonly from: Retention;
}

/** How long the decision read model keeps the tenant's decisions and their retained arguments. */
export class TenantRetentionSet extends DomainEventClass('tenant.retention_set')<TenantRetentionSetPayload> {}
