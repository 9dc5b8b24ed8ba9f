import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Credential, credentialStreamId } from '../../domain/credential.aggregate.js';
import { isUniqueViolation } from '../../storage/unique-violation.js';
import { ACTIVE_FINGERPRINT_KEY, fingerprintTaken } from '../register-credential/register-credential.handler.js';
import { RotateCredentialCommand } from './rotate-credential.command.js';

@CommandHandler(RotateCredentialCommand)
export class RotateCredentialHandler implements ICommandHandler<RotateCredentialCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, credentialId, fingerprint, expiresAt, expectedVersion }: RotateCredentialCommand): Promise<void> {
    const stream = credentialStreamId(credentialId);
    const credential = await loadAggregate(this.store, caller, stream, Credential.fromHistory, expectedVersion);
    credential.rotate(fingerprint, expiresAt, this.clock.now());
    try {
      await saveAggregate(this.store, caller, stream, credential);
    } catch (error) {
      if (isUniqueViolation(error, ACTIVE_FINGERPRINT_KEY)) throw fingerprintTaken();
      throw error;
    }
  }
}
