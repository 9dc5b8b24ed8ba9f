import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Revokes one view link of a report (a leaked link): recorded in the audit trail, then it opens nothing. */
export class RevokeViewLinkCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly reportId: string,
    readonly linkId: string,
  ) {
    super();
  }
}
