import { Query } from '@nestjs/cqrs';
import type { EnforcerReceiptKeyRow, EnforcerRow } from '@thoth/db';
import type { EnforcerStatus } from '../../domain/enforcer.aggregate.js';

/** An enforcer registration, the config version it activated and when it was last heard from. */
export interface EnforcerView {
  id: string;
  name: string;
  status: EnforcerStatus;
  tokenHint: string;
  registeredAt: string;
  decommissionedAt: string | null;
  activeConfig: { version: number; contentHash: string | null; activatedAt: string; instanceId: string | null } | null;
  lastRejection: { version: number; errorCode: string; errorMessage: string; rejectedAt: string } | null;
  lastSeenAt: string | null;
  /**
   * The keys its processes sign receipts with, as each announced it on its config stream (its
   * proof checked), oldest first; a key rotated out stays, for the decisions it signed.
   */
  receiptKeys: { keyId: string; publicKey: string; instanceId: string; announcedAt: string }[];
  /** The enforcer stream's version: the ETag, and what If-Match takes. */
  version: number;
}

export class GetEnforcerQuery extends Query<EnforcerView> {
  constructor(
    readonly tenantId: string,
    readonly enforcerId: string,
  ) {
    super();
  }
}

export function enforcerView(row: EnforcerRow, keys: readonly EnforcerReceiptKeyRow[]): EnforcerView {
  return {
    id: row.enforcerId,
    name: row.name,
    status: row.status,
    tokenHint: row.tokenHint,
    registeredAt: row.registeredAt.toISOString(),
    decommissionedAt: row.decommissionedAt?.toISOString() ?? null,
    activeConfig:
      row.activeConfigVersion === null || row.activatedAt === null
        ? null
        : { version: row.activeConfigVersion, contentHash: row.activeContentHash, activatedAt: row.activatedAt.toISOString(), instanceId: row.activatedInstanceId },
    lastRejection:
      row.rejectedConfigVersion === null || row.rejectedAt === null
        ? null
        : { version: row.rejectedConfigVersion, errorCode: row.rejectionCode ?? '', errorMessage: row.rejectionMessage ?? '', rejectedAt: row.rejectedAt.toISOString() },
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    receiptKeys: keys
      .filter((k) => k.enforcerId === row.enforcerId)
      .map((k) => ({ keyId: k.keyId, publicKey: k.publicKey, instanceId: k.instanceId, announcedAt: k.announcedAt.toISOString() })),
    version: row.version,
  };
}
