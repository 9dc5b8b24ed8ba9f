import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { RecordEnforcerActivationCommand } from './record-enforcer-activation.command.js';

@CommandHandler(RecordEnforcerActivationCommand)
export class RecordEnforcerActivationHandler implements ICommandHandler<RecordEnforcerActivationCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, enforcerId, configVersion, activatedAt, contentHash, instanceId }: RecordEnforcerActivationCommand): Promise<void> {
    const stream = enforcerStreamId(enforcerId);
    const enforcer = await loadAggregate(this.store, caller, stream, Enforcer.fromHistory);
    enforcer.recordActivation({ configVersion, activatedAt, contentHash, instanceId }, this.clock.now());
    await saveAggregate(this.store, caller, stream, enforcer);
  }
}
