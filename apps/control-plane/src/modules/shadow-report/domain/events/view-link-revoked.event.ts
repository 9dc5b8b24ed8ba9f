import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface ViewLinkRevokedPayload {
  readonly reportId: string;
  readonly linkId: string;
}

/** An admin revoked a report's view link: from now on it opens nothing (its row is gone). */
export class ViewLinkRevoked extends DomainEventClass('shadow_report.view_link_revoked')<ViewLinkRevokedPayload> {}

/** A link is revoked once: its own stream, of one event. */
export const viewLinkStreamId = (linkId: string): string => `view-link-${linkId}`;
