import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed link an approval alert carries to its request's page, `?token=thoth_al.<tenant
 * id>.<request id, base64url>.<expiry, unix seconds>.<HMAC-SHA256, base64url>`: no API key ever
 * goes in a URL. The MAC (a key of the control plane's own, the same on every replica) covers
 * the tenant, the request and the expiry, so a link opens that one request of that tenant's,
 * read only, until the request expires; nothing is stored. Approving from the page asks for an
 * approver's API key, as the API does.
 */
export type ApprovalLinkErrorCode = 'approval_link.missing' | 'approval_link.invalid' | 'approval_link.expired' | 'approval_link.other_request';

/** 401 for a link that proves nothing (missing, malformed, forged, expired); 403 for a good link to another request. */
export class ApprovalLinkError extends Error {
  constructor(
    readonly code: ApprovalLinkErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApprovalLinkError';
  }

  get status(): 401 | 403 {
    return this.code === 'approval_link.other_request' ? 403 : 401;
  }
}

export interface ApprovalLink {
  readonly tenantId: string;
  readonly requestId: string;
  readonly expiresAt: Date;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TOKEN = new RegExp(`^thoth_al\\.(${UUID})\\.([A-Za-z0-9_-]{1,300})\\.([0-9]{1,12})\\.([A-Za-z0-9_-]{43})$`);

const mac = (key: Uint8Array, link: ApprovalLink, seconds: number) =>
  createHmac('sha256', key).update(`thoth.approval-link.v1\n${link.tenantId}\n${link.requestId}\n${seconds}`, 'utf8').digest();

export function approvalLinkToken(key: Uint8Array, link: ApprovalLink): string {
  const seconds = Math.ceil(link.expiresAt.getTime() / 1000);
  const id = Buffer.from(link.requestId, 'utf8').toString('base64url');
  return `thoth_al.${link.tenantId}.${id}.${seconds}.${mac(key, link, seconds).toString('base64url')}`;
}

/** The link a token proves, checked against the request asked for and the time. */
export function openApprovalLink(key: Uint8Array, token: string | undefined, requestId: string, now: Date): ApprovalLink {
  if (token === undefined || token === '') throw new ApprovalLinkError('approval_link.missing', "open this page with the link of the request's alert (?token=…)");
  const match = TOKEN.exec(token);
  if (!match) throw new ApprovalLinkError('approval_link.invalid', 'the approval link is not valid');
  const seconds = Number(match[3]);
  const link: ApprovalLink = { tenantId: match[1]!, requestId: Buffer.from(match[2]!, 'base64url').toString('utf8'), expiresAt: new Date(seconds * 1000) };
  const given = Buffer.from(match[4]!, 'base64url');
  const expected = mac(key, link, seconds);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ApprovalLinkError('approval_link.invalid', 'the approval link is not valid');
  if (link.expiresAt.getTime() <= now.getTime()) throw new ApprovalLinkError('approval_link.expired', `the approval link expired at ${link.expiresAt.toISOString()}, with its request`);
  if (link.requestId !== requestId) throw new ApprovalLinkError('approval_link.other_request', 'this approval link is for another request');
  return link;
}
