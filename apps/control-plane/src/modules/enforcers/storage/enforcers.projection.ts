import { Inject, Injectable } from '@nestjs/common';
import { enforcerReceiptKeys, enforcers } from '@thoth/db';
import { sql } from 'drizzle-orm';
import { AggregateProjection, ProjectionRegistry, type RowStamp } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import type { EnforcerEvent } from '../domain/events/index.js';
import { EnforcersRepository } from './enforcers.repository.js';

/**
 * enforcers and enforcer_receipt_keys, folded from the Enforcer streams: what each runs, when it
 * was last heard from, and the keys its processes sign receipts with.
 */
@Injectable()
export class EnforcersProjection extends AggregateProjection<EnforcerEvent> {
  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    super(registry, 'enforcers', [enforcers, enforcerReceiptKeys], 'enforcer.');
  }

  protected async fold(tx: Tx, event: EnforcerEvent, stamp: RowStamp, record: RecordedEvent): Promise<void> {
    switch (event.type) {
      case 'enforcer.registered': {
        const p = event.payload;
        return EnforcersRepository.insert(tx, {
          enforcerId: p.enforcerId,
          tenantId: p.tenantId,
          name: p.name,
          tokenHash: p.tokenHash,
          tokenHint: p.tokenHint,
          status: 'active',
          registeredAt: new Date(p.registeredAt),
          ...stamp,
        });
      }
      case 'enforcer.config_activated': {
        const p = event.payload;
        const at = new Date(p.activatedAt);
        return EnforcersRepository.update(tx, p.enforcerId, {
          activeConfigVersion: p.configVersion,
          activeContentHash: p.contentHash,
          activatedAt: at,
          activatedInstanceId: p.instanceId,
          lastSeenAt: latest(at),
          ...stamp,
        });
      }
      case 'enforcer.config_rejected': {
        const p = event.payload;
        const at = new Date(p.rejectedAt);
        return EnforcersRepository.update(tx, p.enforcerId, {
          rejectedConfigVersion: p.configVersion,
          rejectionCode: p.errorCode,
          rejectionMessage: p.errorMessage,
          rejectedAt: at,
          lastSeenAt: latest(at),
          ...stamp,
        });
      }
      case 'enforcer.receipt_key_announced': {
        const p = event.payload;
        await EnforcersRepository.insertReceiptKey(tx, {
          tenantId: record.tenantId,
          enforcerId: p.enforcerId,
          keyId: p.keyId,
          instanceId: p.instanceId,
          publicKey: p.publicKey,
          announcedAt: new Date(p.announcedAt),
          version: stamp.version,
        });
        return EnforcersRepository.update(tx, p.enforcerId, { lastSeenAt: latest(new Date(p.announcedAt)), ...stamp });
      }
      case 'enforcer.seen':
        return EnforcersRepository.update(tx, event.payload.enforcerId, { lastSeenAt: latest(new Date(event.payload.seenAt)), ...stamp });
      case 'enforcer.decommissioned': {
        const p = event.payload;
        return EnforcersRepository.update(tx, p.enforcerId, { status: 'decommissioned', decommissionedAt: new Date(p.decommissionedAt), ...stamp });
      }
    }
  }
}

/** Never moves last-seen backwards (reports can arrive out of order). */
function latest(at: Date) {
  return sql`greatest(${enforcers.lastSeenAt}, ${at.toISOString()}::timestamptz)`;
}
