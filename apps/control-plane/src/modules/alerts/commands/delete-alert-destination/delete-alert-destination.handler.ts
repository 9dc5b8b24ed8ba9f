import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { AlertDestination, alertDestinationStreamId } from '../../domain/alert-destination.aggregate.js';
import { DeleteAlertDestinationCommand } from './delete-alert-destination.command.js';

@CommandHandler(DeleteAlertDestinationCommand)
export class DeleteAlertDestinationHandler implements ICommandHandler<DeleteAlertDestinationCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, destinationId, expectedVersion }: DeleteAlertDestinationCommand): Promise<void> {
    const stream = alertDestinationStreamId(destinationId);
    const destination = await loadAggregate(this.store, caller, stream, AlertDestination.fromHistory, expectedVersion);
    destination.delete(this.clock.now());
    if (destination.uncommittedEvents.length > 0) await saveAggregate(this.store, caller, stream, destination);
  }
}
