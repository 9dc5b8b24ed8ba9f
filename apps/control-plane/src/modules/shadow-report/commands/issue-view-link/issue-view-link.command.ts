import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

export interface IssuedViewLink {
  readonly linkId: string;
  readonly token: string;
  readonly expiresAt: Date;
}

/** A short-lived link that opens one report's page in a browser, read only. */
export class IssueViewLinkCommand extends Command<IssuedViewLink> {
  constructor(
    readonly caller: Caller,
    readonly reportId: string,
    readonly expiresInSeconds: number,
  ) {
    super();
  }
}
