import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { AlertDestination, alertDestinationStreamId } from '../../domain/alert-destination.aggregate.js';
import { DeleteAlertDestinationCommand } from './delete-alert-destination.command.js';

@CommandHandler(DeleteAlertDestinationCommand)
export class DeleteAlertDestinationHandler extends AggregateCommandHandler implements ICommandHandler<DeleteAlertDestinationCommand> {
  async execute({ caller, destinationId, expectedVersion }: DeleteAlertDestinationCommand): Promise<void> {
    await this.change(caller, alertDestinationStreamId(destinationId), AlertDestination.fromHistory, expectedVersion, (destination, now) => destination.delete(now));
  }
}
