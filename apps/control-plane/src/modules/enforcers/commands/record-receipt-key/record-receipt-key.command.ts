import { Command } from '@nestjs/cqrs';
import type { ReceiptKeyAnnouncement } from '@thoth/snapshot';
import type { Caller } from '../../../../platform/caller.js';

/** A process of the enforcer announced its receipt key on the config stream (from the status sink). */
export class RecordReceiptKeyCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly enforcerId: string,
    readonly instanceId: string,
    readonly announcement: ReceiptKeyAnnouncement,
    readonly announcedAt: Date,
  ) {
    super();
  }
}
