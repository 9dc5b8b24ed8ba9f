import { z } from 'zod';
import { APPROVAL_STATUSES, MAX_COMMENT } from '../domain/approval-request.js';
import type { ApprovalPosition } from '../storage/approval-requests.repository.js';

// Query parameters and bodies are strict: an unknown one is a 400 naming it.

const RequestId = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'an approval request id: 1–200 printable ASCII characters');

export const ApprovalIdParams = z.strictObject({ requestId: RequestId });

/** The opaque `cursor`: the last request of a page, `[requested_at ms, id]` as base64url JSON. */
export const encodeApprovalCursor = (p: ApprovalPosition): string => Buffer.from(JSON.stringify([p.requestedAt.getTime(), p.id])).toString('base64url');

function decodeApprovalCursor(cursor: string): ApprovalPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [ms, id] = value as [unknown, unknown];
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || typeof id !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(id)) return undefined;
    return { requestedAt: new Date(ms), id };
  } catch {
    return undefined;
  }
}

export const ListApprovalsQueryParams = z.strictObject({
  state: z.enum(APPROVAL_STATUSES).optional().describe('Only requests in this state (expired: nobody decided, or approved and unused, in time)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .transform((s, ctx) => {
      const position = decodeApprovalCursor(s);
      if (!position) ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page (use `next` as given)' });
      return position ?? z.NEVER;
    })
    .optional()
    .describe('`next` of the previous page'),
});

// What Postgres text and jsonb refuse: a NUL, or half of a surrogate pair.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

export const DecideApprovalBody = z
  .strictObject({
    comment: z
      .string()
      .max(MAX_COMMENT)
      .refine((s) => !unstorable(s), 'must not hold a NUL character or a lone surrogate')
      .optional()
      .describe(`A note for the audit trail and the ledger, at most ${MAX_COMMENT} characters`),
  })
  .optional();

export const ApprovalPageQueryParams = z.strictObject({ token: z.string().max(512).optional().describe("The signed link's token (thoth_al.…), as the alert carries it") });

const RecordedRule = z.object({
  ruleId: z.string(),
  reason: z.string(),
  severity: z.enum(['unspecified', 'low', 'medium', 'high', 'critical']),
  kind: z.string(),
  effect: z.enum(['', 'deny', 'flag', 'observe', 'allow']),
});

export const ApprovalResponse = z.object({
  id: z.string().describe("The request's id: the decision_id of the decision that held the call"),
  status: z.enum(APPROVAL_STATUSES),
  agentId: z.string(),
  tool: z.string(),
  resource: z.string(),
  credentialFingerprint: z.string().describe("SHA-256 hex of the credential the call carried; '' when none"),
  argumentsDigest: z.string(),
  arguments: z.unknown().nullable().describe('The exact arguments of the call held; null when they were not JSON'),
  ruleIds: z.array(z.string()).describe('The policy elements that asked for approval'),
  matchedRules: z.array(RecordedRule).describe("The request decision's matched rules, with their reasons"),
  enforcerId: z.string(),
  requestedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  decidedBy: z.string().nullable().describe('key:<API key id> of the approver'),
  decidedAt: z.iso.datetime().nullable(),
  comment: z.string().nullable(),
  usedByDecision: z.string().nullable().describe('The decision that let the call through on this approval'),
  usedAt: z.iso.datetime().nullable(),
});

export const ApprovalDetailResponse = ApprovalResponse.extend({
  recentDecisions: z
    .array(z.object({ decisionId: z.string(), tool: z.string(), resource: z.string(), outcome: z.string(), ruleIds: z.array(z.string()), decidedAt: z.iso.datetime() }))
    .describe("The agent's last 20 decisions, newest first"),
});

export const ApprovalListResponse = z.object({
  items: z.array(ApprovalResponse),
  next: z.string().nullable().describe('Pass as `cursor` for the next page (same state); null on the last page'),
});
