import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { saveAggregate } from '../../../../event-store/aggregate-store.js';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { RegisterEnforcerCommand, type RegisteredEnforcer } from './register-enforcer.command.js';

@CommandHandler(RegisterEnforcerCommand)
export class RegisterEnforcerHandler extends AggregateCommandHandler implements ICommandHandler<RegisterEnforcerCommand> {
  async execute({ caller, name }: RegisterEnforcerCommand): Promise<RegisteredEnforcer> {
    const enforcerId = randomUUID();
    const { enforcer, token } = Enforcer.register({ enforcerId, tenantId: caller.tenantId, name }, this.clock.now());
    await saveAggregate(this.store, caller, enforcerStreamId(enforcerId), enforcer);
    return { enforcerId, name, token, tokenHint: enforcer.tokenHint };
  }
}
