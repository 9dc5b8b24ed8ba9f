import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { isUniqueViolation } from '../../../../platform/database/unique-violation.js';
import { Credential, credentialStreamId } from '../../domain/credential.aggregate.js';
import { ACTIVE_FINGERPRINT_KEY, fingerprintTaken } from '../register-credential/register-credential.handler.js';
import { RotateCredentialCommand } from './rotate-credential.command.js';

@CommandHandler(RotateCredentialCommand)
export class RotateCredentialHandler extends AggregateCommandHandler implements ICommandHandler<RotateCredentialCommand> {
  async execute({ caller, credentialId, fingerprint, expiresAt, expectedVersion }: RotateCredentialCommand): Promise<void> {
    try {
      await this.change(caller, credentialStreamId(credentialId), Credential.fromHistory, expectedVersion, (credential, now) => credential.rotate(fingerprint, expiresAt, now));
    } catch (error) {
      if (isUniqueViolation(error, ACTIVE_FINGERPRINT_KEY)) throw fingerprintTaken();
      throw error;
    }
  }
}
