import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * The pages the control plane serves to browsers (the shadow report, an approval request): one
 * self-contained document each, whose own stylesheet and one script are allowed by their hashes
 * and nothing else loads; the script may call this control plane only.
 */
export interface StrictPageAssets {
  readonly style: string;
  readonly script: string;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The Content-Security-Policy of such a page. */
export function strictPageCsp({ style, script }: StrictPageAssets): string {
  return [
    "default-src 'none'",
    `style-src ${sha256(style)}`,
    `script-src ${sha256(script)}`,
    "connect-src 'self'",
    "img-src 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The headers every such page is served with: its CSP, no sniffing, no referrer, no framing, no caching. */
export function strictPageHeaders(reply: FastifyReply, csp: string): void {
  void reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store');
}

/** Text as HTML text or a quoted attribute value. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
