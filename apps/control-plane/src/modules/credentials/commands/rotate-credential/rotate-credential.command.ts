import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { Fingerprint } from '../../domain/fingerprint.js';

/** Swaps in a new secret (by fingerprint); the old one is recorded as rotated out. */
export class RotateCredentialCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly credentialId: string,
    readonly fingerprint: Fingerprint,
    /** Undefined keeps the current expiry; null removes it. */
    readonly expiresAt: Date | null | undefined,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
