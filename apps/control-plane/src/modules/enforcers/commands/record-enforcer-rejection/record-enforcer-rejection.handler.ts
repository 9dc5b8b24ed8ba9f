import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { RecordEnforcerRejectionCommand } from './record-enforcer-rejection.command.js';

@CommandHandler(RecordEnforcerRejectionCommand)
export class RecordEnforcerRejectionHandler implements ICommandHandler<RecordEnforcerRejectionCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute(command: RecordEnforcerRejectionCommand): Promise<void> {
    const { caller, enforcerId, configVersion, errorCode, errorMessage, rejectedAt, instanceId } = command;
    const stream = enforcerStreamId(enforcerId);
    const enforcer = await loadAggregate(this.store, caller, stream, Enforcer.fromHistory);
    enforcer.recordRejection({ configVersion, errorCode, errorMessage, rejectedAt, instanceId }, this.clock.now());
    await saveAggregate(this.store, caller, stream, enforcer);
  }
}
