import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** A revoked key answers 401 from the next request on. */
export class RevokeApiKeyCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly keyId: string,
  ) {
    super();
  }
}
