import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { found } from '../../../../shared/domain/domain-error.js';
import { credentialNotFound } from '../../domain/credential.errors.js';
import { CredentialsRepository } from '../../storage/credentials.repository.js';
import { credentialView, GetCredentialQuery, type CredentialView } from './get-credential.query.js';

@QueryHandler(GetCredentialQuery)
export class GetCredentialHandler implements IQueryHandler<GetCredentialQuery> {
  constructor(@Inject(CredentialsRepository) private readonly credentials: CredentialsRepository) {}

  async execute({ tenantId, credentialId }: GetCredentialQuery): Promise<CredentialView> {
    return credentialView(found(await this.credentials.find(tenantId, credentialId), credentialNotFound));
  }
}
