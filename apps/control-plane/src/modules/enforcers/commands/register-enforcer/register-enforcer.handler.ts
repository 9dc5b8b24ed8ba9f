import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { RegisterEnforcerCommand, type RegisteredEnforcer } from './register-enforcer.command.js';

@CommandHandler(RegisterEnforcerCommand)
export class RegisterEnforcerHandler implements ICommandHandler<RegisterEnforcerCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, name }: RegisterEnforcerCommand): Promise<RegisteredEnforcer> {
    const enforcerId = randomUUID();
    const { enforcer, token } = Enforcer.register({ enforcerId, tenantId: caller.tenantId, name }, this.clock.now());
    await saveAggregate(this.store, caller, enforcerStreamId(enforcerId), enforcer);
    return { enforcerId, name, token, tokenHint: enforcer.tokenHint };
  }
}
