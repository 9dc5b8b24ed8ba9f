import { Query } from '@nestjs/cqrs';
import type { CredentialView } from '../get-credential/get-credential.query.js';

export class ListCredentialsQuery extends Query<CredentialView[]> {
  constructor(
    readonly tenantId: string,
    readonly filter: { status?: 'active' | 'revoked'; agentId?: string } = {},
  ) {
    super();
  }
}
