import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EnforcersRepository } from '../../storage/enforcers.repository.js';
import { ListReceiptKeysQuery, type ReceiptKeyView } from './list-receipt-keys.query.js';

@QueryHandler(ListReceiptKeysQuery)
export class ListReceiptKeysHandler implements IQueryHandler<ListReceiptKeysQuery> {
  constructor(@Inject(EnforcersRepository) private readonly enforcers: EnforcersRepository) {}

  async execute({ tenantId }: ListReceiptKeysQuery): Promise<ReceiptKeyView[]> {
    const keys = await this.enforcers.receiptKeys(tenantId);
    return keys.map(({ keyId, publicKey, instanceId }) => ({ keyId, publicKey, instanceId }));
  }
}
