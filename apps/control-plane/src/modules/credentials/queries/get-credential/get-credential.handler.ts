import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CredentialError } from '../../domain/credential.errors.js';
import { CredentialsRepository } from '../../storage/credentials.repository.js';
import { credentialView, GetCredentialQuery, type CredentialView } from './get-credential.query.js';

@QueryHandler(GetCredentialQuery)
export class GetCredentialHandler implements IQueryHandler<GetCredentialQuery> {
  constructor(@Inject(CredentialsRepository) private readonly credentials: CredentialsRepository) {}

  async execute({ tenantId, credentialId }: GetCredentialQuery): Promise<CredentialView> {
    const record = await this.credentials.find(tenantId, credentialId);
    if (!record) throw new CredentialError('credential.not_found', 'not_found', 'credential not found');
    return credentialView(record);
  }
}
