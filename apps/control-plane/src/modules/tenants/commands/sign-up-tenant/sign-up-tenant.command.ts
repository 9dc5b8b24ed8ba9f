import { Command } from '@nestjs/cqrs';

export interface SignUpResult {
  tenantId: string;
  /** The first admin key, in clear this once. */
  apiKey: { keyId: string; key: string; prefix: string; role: 'admin' };
}

/** Self-serve sign-up: no card, no key needed. */
export class SignUpTenantCommand extends Command<SignUpResult> {
  constructor(
    readonly name: string,
    readonly email: string,
    readonly requestId: string,
  ) {
    super();
  }
}
