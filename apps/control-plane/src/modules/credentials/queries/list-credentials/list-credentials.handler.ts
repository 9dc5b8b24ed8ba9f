import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CredentialsRepository } from '../../storage/credentials.repository.js';
import { credentialView, type CredentialView } from '../get-credential/get-credential.query.js';
import { ListCredentialsQuery } from './list-credentials.query.js';

@QueryHandler(ListCredentialsQuery)
export class ListCredentialsHandler implements IQueryHandler<ListCredentialsQuery> {
  constructor(@Inject(CredentialsRepository) private readonly credentials: CredentialsRepository) {}

  async execute({ tenantId, filter }: ListCredentialsQuery): Promise<CredentialView[]> {
    return (await this.credentials.list(tenantId, filter)).map(credentialView);
  }
}
