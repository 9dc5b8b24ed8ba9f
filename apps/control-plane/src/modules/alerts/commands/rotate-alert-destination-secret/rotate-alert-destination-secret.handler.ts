import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { AlertDestination, alertDestinationStreamId } from '../../domain/alert-destination.aggregate.js';
import { SecretBox, sealContext } from '../../secrets/secret-box.js';
import { newSigningSecret } from '../signing-secret.js';
import { RotateAlertDestinationSecretCommand } from './rotate-alert-destination-secret.command.js';

@CommandHandler(RotateAlertDestinationSecretCommand)
export class RotateAlertDestinationSecretHandler implements ICommandHandler<RotateAlertDestinationSecretCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, destinationId, keepPreviousForMs, expectedVersion }: RotateAlertDestinationSecretCommand): Promise<{ secret: string }> {
    const stream = alertDestinationStreamId(destinationId);
    const destination = await loadAggregate(this.store, caller, stream, AlertDestination.fromHistory, expectedVersion);
    const secret = newSigningSecret();
    destination.rotateSecret(this.secrets.seal(secret, sealContext(caller.tenantId, destinationId, 'signing-secret')), keepPreviousForMs, this.clock.now());
    await saveAggregate(this.store, caller, stream, destination);
    return { secret };
  }
}
