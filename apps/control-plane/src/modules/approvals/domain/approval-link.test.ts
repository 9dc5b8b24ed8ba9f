import { describe, expect, it } from 'vitest';
import { approvalLinkToken, openApprovalLink } from './approval-link.js';

const KEY = Buffer.alloc(32, 7);
const TENANT = '0b0c8f5e-1111-4222-8333-944445555666';
const link = { tenantId: TENANT, requestId: 'dec.1/é', expiresAt: new Date(Date.UTC(2026, 11, 7, 12)) };
const before = new Date(Date.UTC(2026, 11, 7, 11));

describe('approval links', () => {
  it('open the one request of the one tenant they were signed for, until it expires', () => {
    const token = approvalLinkToken(KEY, link);
    expect(openApprovalLink(KEY, token, link.requestId, before)).toEqual(link);
    expect(() => openApprovalLink(KEY, token, 'another', before)).toThrow(expect.objectContaining({ code: 'approval_link.other_request', status: 403 }));
    expect(() => openApprovalLink(KEY, token, link.requestId, link.expiresAt)).toThrow(expect.objectContaining({ code: 'approval_link.expired', status: 401 }));
  });

  it('refuse a token whose tenant, request, expiry or MAC was changed, or signed with another key', () => {
    const token = approvalLinkToken(KEY, link);
    const [prefix, , id, seconds, sig] = token.split('.');
    const otherTenant = `${prefix}.${TENANT.replace('0b0c', '0b0d')}.${id}.${seconds}.${sig}`;
    const later = `${prefix}.${TENANT}.${id}.${Number(seconds) + 3600}.${sig}`;
    const otherId = `${prefix}.${TENANT}.${Buffer.from('another').toString('base64url')}.${seconds}.${sig}`;
    for (const forged of [otherTenant, later, otherId, approvalLinkToken(Buffer.alloc(32, 8), link), `${token}x`, 'thoth_al.x', '']) {
      expect(() => openApprovalLink(KEY, forged, link.requestId, before)).toThrow(expect.objectContaining({ status: 401 }));
    }
  });
});
