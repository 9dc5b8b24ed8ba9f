import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { MarkEnforcerSeenCommand } from './mark-enforcer-seen.command.js';

@CommandHandler(MarkEnforcerSeenCommand)
export class MarkEnforcerSeenHandler implements ICommandHandler<MarkEnforcerSeenCommand> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async execute({ caller, enforcerId, seenAt }: MarkEnforcerSeenCommand): Promise<void> {
    const stream = enforcerStreamId(enforcerId);
    const enforcer = await loadAggregate(this.store, caller, stream, Enforcer.fromHistory);
    enforcer.markSeen(seenAt);
    await saveAggregate(this.store, caller, stream, enforcer);
  }
}
