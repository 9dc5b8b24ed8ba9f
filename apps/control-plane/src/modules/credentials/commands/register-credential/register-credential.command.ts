import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { CredentialKind } from '../../domain/events/index.js';
import type { Fingerprint } from '../../domain/fingerprint.js';

export interface RegisterCredentialInput {
  name: string;
  kind: CredentialKind;
  provider: string;
  /** Already a fingerprint: a secret sent to the API is hashed before any command exists. */
  fingerprint: Fingerprint;
  scopes: readonly string[];
  allowedResources: readonly string[];
  allowedLocations: { cidrs: readonly string[]; regions: readonly string[] };
  expiresAt: Date | null;
  /** Agents that may use it from the start. */
  agentIds: readonly string[];
}

export class RegisterCredentialCommand extends Command<{ credentialId: string; version: number }> {
  constructor(
    readonly caller: Caller,
    readonly input: RegisterCredentialInput,
  ) {
    super();
  }
}
