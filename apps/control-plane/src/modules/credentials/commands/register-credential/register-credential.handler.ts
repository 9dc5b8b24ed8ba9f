import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { saveAggregate } from '../../../../event-store/aggregate-store.js';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Credential, credentialStreamId } from '../../domain/credential.aggregate.js';
import { CredentialError } from '../../domain/credential.errors.js';
import { isUniqueViolation } from '../../../../platform/database/unique-violation.js';
import { assertLinkableAgent } from '../linked-agents.js';
import { RegisterCredentialCommand } from './register-credential.command.js';

export const ACTIVE_FINGERPRINT_KEY = 'credentials_tenant_active_fingerprint_key';

@CommandHandler(RegisterCredentialCommand)
export class RegisterCredentialHandler extends AggregateCommandHandler implements ICommandHandler<RegisterCredentialCommand> {
  async execute({ caller, input }: RegisterCredentialCommand): Promise<{ credentialId: string; version: number }> {
    const now = this.clock.now();
    const credentialId = randomUUID();
    const credential = Credential.register({ ...input, credentialId, tenantId: caller.tenantId }, now);
    for (const agentId of input.agentIds) {
      await assertLinkableAgent(this.store, caller, agentId);
      credential.linkAgent(agentId, now);
    }
    try {
      await saveAggregate(this.store, caller, credentialStreamId(credentialId), credential);
    } catch (error) {
      if (isUniqueViolation(error, ACTIVE_FINGERPRINT_KEY)) throw fingerprintTaken();
      throw error;
    }
    return { credentialId, version: credential.version };
  }
}

export function fingerprintTaken(): CredentialError {
  return new CredentialError('credential.fingerprint_taken', 'conflict', 'another active credential of this tenant has the same fingerprint', '/fingerprint');
}
