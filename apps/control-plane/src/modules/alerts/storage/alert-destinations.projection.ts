import { Inject, Injectable } from '@nestjs/common';
import { alertDestinations } from '@thoth/db';
import { AggregateProjection, ProjectionRegistry, type RowStamp } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { AlertDestinationEvent } from '../domain/events/index.js';
import { AlertDestinationsRepository } from './alert-destinations.repository.js';

/** alert_destinations, folded from the AlertDestination streams. */
@Injectable()
export class AlertDestinationsProjection extends AggregateProjection<AlertDestinationEvent> {
  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    super(registry, 'alert-destinations', [alertDestinations], 'alert_destination.');
  }

  protected async fold(tx: Tx, event: AlertDestinationEvent, stamp: RowStamp): Promise<void> {
    switch (event.type) {
      case 'alert_destination.created': {
        const p = event.payload;
        return AlertDestinationsRepository.insert(tx, {
          destinationId: p.destinationId,
          tenantId: p.tenantId,
          name: p.name,
          kind: p.kind,
          target: p.target,
          urlCiphertext: p.urlCiphertext,
          syslogHost: p.syslog?.host ?? null,
          syslogPort: p.syslog?.port ?? null,
          syslogTransport: p.syslog?.transport ?? null,
          syslogFacility: p.syslog?.facility ?? null,
          secretCiphertext: p.secretCiphertext,
          status: 'active',
          createdAt: new Date(p.createdAt),
          ...stamp,
        });
      }
      case 'alert_destination.secret_rotated': {
        const p = event.payload;
        return AlertDestinationsRepository.update(tx, p.destinationId, {
          secretCiphertext: p.secretCiphertext,
          previousSecretCiphertext: p.previousSecretCiphertext,
          previousSecretExpiresAt: p.previousSecretExpiresAt === null ? null : new Date(p.previousSecretExpiresAt),
          secretRotatedAt: new Date(p.rotatedAt),
          ...stamp,
        });
      }
      case 'alert_destination.deleted': {
        const p = event.payload;
        // The sealed values go with it from the read model (the event store keeps only ciphertext).
        return AlertDestinationsRepository.update(tx, p.destinationId, {
          status: 'deleted',
          deletedAt: new Date(p.deletedAt),
          urlCiphertext: null,
          secretCiphertext: null,
          previousSecretCiphertext: null,
          previousSecretExpiresAt: null,
          ...stamp,
        });
      }
    }
  }
}
