import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A view link lets a browser open one report page without an API key (which must never be
 * in a URL): `?token=thoth_vl.<tenant id>.<link id>.<secret>`. The tenant and link ids say
 * where to look (the lookup runs under that tenant's RLS, so a forged tenant finds nothing of
 * another's); only the SHA-256 of the 256-bit secret is stored. A link shows one report, read
 * only, until it expires.
 */
export const VIEW_LINK_DEFAULT_SECONDS = 3_600;
export const VIEW_LINK_MAX_SECONDS = 86_400;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TOKEN = new RegExp(`^thoth_vl\\.(${UUID})\\.(${UUID})\\.([A-Za-z0-9_-]{43})$`);

export type ViewLinkErrorCode = 'view_link.missing' | 'view_link.invalid' | 'view_link.expired' | 'view_link.other_report';

/** 401 for a link that proves nothing (missing, malformed, unknown, wrong secret, expired); 403 for a good link to another report. */
export class ViewLinkError extends Error {
  constructor(
    readonly code: ViewLinkErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ViewLinkError';
  }

  get status(): 401 | 403 {
    return this.code === 'view_link.other_report' ? 403 : 401;
  }
}

export interface ViewLinkToken {
  readonly tenantId: string;
  readonly linkId: string;
  readonly secret: string;
}

export function newViewLinkSecret(): string {
  return randomBytes(32).toString('base64url');
}

export const viewLinkToken = ({ tenantId, linkId, secret }: ViewLinkToken): string => `thoth_vl.${tenantId}.${linkId}.${secret}`;

export function parseViewLinkToken(token: string | undefined): ViewLinkToken {
  if (token === undefined || token === '') throw new ViewLinkError('view_link.missing', 'open this page with the view link issued by POST /v1/shadow-reports/{id}/view-links (?token=…)');
  const match = TOKEN.exec(token);
  if (!match) throw new ViewLinkError('view_link.invalid', 'the view link is not valid');
  return { tenantId: match[1]!, linkId: match[2]!, secret: match[3]! };
}

export const viewLinkSecretHash = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Checks a stored link against the token's secret, the report asked for and the time. */
export function checkViewLink(
  link: { readonly reportId: string; readonly secretHash: string; readonly expiresAt: Date } | undefined,
  token: ViewLinkToken,
  reportId: string,
  now: Date,
): void {
  const given = Buffer.from(viewLinkSecretHash(token.secret), 'hex');
  const stored = Buffer.from(link?.secretHash ?? '00'.repeat(32), 'hex');
  const matches = stored.length === given.length && timingSafeEqual(stored, given);
  if (!link || !matches) throw new ViewLinkError('view_link.invalid', 'the view link is not valid');
  if (link.expiresAt.getTime() <= now.getTime()) throw new ViewLinkError('view_link.expired', `the view link expired at ${link.expiresAt.toISOString()}; ask for a new one`);
  if (link.reportId !== reportId) throw new ViewLinkError('view_link.other_report', 'this view link is for another report');
}
