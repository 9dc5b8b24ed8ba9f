import { Query } from '@nestjs/cqrs';

/** One change to the control plane: who, what, when. Payloads stay out (they may hold key hashes). */
export interface AuditEntry {
  position: string;
  recordedAt: string;
  actor: string;
  requestId: string;
  type: string;
  streamId: string;
  version: number;
}

export interface AuditPage {
  items: AuditEntry[];
  /** Pass as `after` for the next page; null at the end. */
  next: string | null;
}

export class ListAuditEventsQuery extends Query<AuditPage> {
  constructor(
    readonly tenantId: string,
    readonly after: bigint | undefined,
    readonly limit: number,
  ) {
    super();
  }
}
