import { Command } from '@nestjs/cqrs';
import type { ApiKeyRole } from '@thoth/api-keys';
import type { Caller } from '../../../../platform/caller.js';

export interface IssuedKey {
  keyId: string;
  /** In clear this once; only its hash is kept. */
  key: string;
  prefix: string;
  role: ApiKeyRole;
  name: string;
}

export class IssueApiKeyCommand extends Command<IssuedKey> {
  constructor(
    readonly caller: Caller,
    readonly name: string,
    readonly role: ApiKeyRole,
  ) {
    super();
  }
}
