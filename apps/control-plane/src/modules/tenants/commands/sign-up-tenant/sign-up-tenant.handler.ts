import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { saveAggregate } from '../../../../event-store/aggregate-store.js';
import { generateApiKey } from '@thoth/api-keys';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { SignUpTenantCommand, type SignUpResult } from './sign-up-tenant.command.js';

@CommandHandler(SignUpTenantCommand)
export class SignUpTenantHandler extends AggregateCommandHandler implements ICommandHandler<SignUpTenantCommand> {
  async execute(command: SignUpTenantCommand): Promise<SignUpResult> {
    const tenantId = randomUUID();
    const keyId = randomUUID();
    const key = generateApiKey();
    const tenant = Tenant.signUp({
      tenantId,
      name: command.name,
      email: command.email,
      now: this.clock.now(),
      firstKey: { keyId, name: 'first admin key', role: 'admin', prefix: key.prefix, keyHash: key.hash },
    });
    await saveAggregate(this.store, { tenantId, actor: 'signup', requestId: command.requestId }, tenantStreamId(tenantId), tenant);
    return { tenantId, apiKey: { keyId, key: key.key, prefix: key.prefix, role: 'admin' } };
  }
}
