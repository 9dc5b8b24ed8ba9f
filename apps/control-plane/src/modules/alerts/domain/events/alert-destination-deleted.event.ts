import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface AlertDestinationDeletedPayload {
  readonly destinationId: string;
  readonly deletedAt: string;
}

/** No more alerts go there; its undelivered alerts go to the dead-letter list. */
export class AlertDestinationDeleted extends DomainEventClass('alert_destination.deleted')<AlertDestinationDeletedPayload> {}
