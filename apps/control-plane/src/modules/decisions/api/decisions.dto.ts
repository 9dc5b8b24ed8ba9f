import { z } from 'zod';
import { decodeCursor, decodeStreamCursor } from './decision-cursor.js';

// Query parameters are strict: an unknown one is a 400 naming it. Filters are exact matches.

const DecisionId = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'a decision id: 1–200 printable ASCII characters');
const Outcome = z.enum(['allow', 'deny', 'would_deny', 'approval_required']);
const Time = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const DecisionIdParams = z.strictObject({ decisionId: DecisionId });

/** The exact-match filters search and the stream share. */
const DecisionFilterFields = {
  agent: z.string().min(1).max(200).optional().describe('Agent id as the request named it (the agent name)'),
  tool: z.string().min(1).max(4096).optional(),
  credential: z
    .string()
    .regex(/^(sha256:)?[0-9a-fA-F]{64}$/, 'a credential fingerprint: 64 hex characters, optionally prefixed with sha256:')
    .transform((s) => s.replace(/^sha256:/, '').toLowerCase())
    .optional()
    .describe('Credential fingerprint (SHA-256 hex of the credential)'),
  resource: z.string().min(1).max(4096).optional(),
  outcome: Outcome.optional(),
};

const Cursor = z.string().transform((s, ctx) => {
  const position = decodeCursor(s);
  if (!position) ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page (use `next` as given)' });
  return position ?? z.NEVER;
});

const StreamCursor = z.string().transform((s, ctx) => {
  const position = decodeStreamCursor(s);
  if (!position) ctx.addIssue({ code: 'custom', message: 'not the id of an event of this stream' });
  return position ?? z.NEVER;
});

export const ListDecisionsQueryParams = z
  .strictObject({
    ...DecisionFilterFields,
    from: Time.optional().describe('Decided at or after (ISO 8601 with offset)'),
    to: Time.optional().describe('Decided before (ISO 8601 with offset)'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: Cursor.optional().describe('`next` of the previous page'),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'must be after `from`' });

const RecordedRule = z.object({
  ruleId: z.string(),
  reason: z.string(),
  severity: z.enum(['unspecified', 'low', 'medium', 'high', 'critical']),
  kind: z.string().describe('condition, blast_radius, freeze_window, credential, drift, kill_switch, default, sequence, approval'),
  effect: z.enum(['', 'deny', 'flag', 'observe', 'allow']).describe("What the rule did; '' when not recorded"),
});

export const DecisionResponse = z.object({
  decisionId: z.string(),
  requestId: z.string(),
  agentId: z.string(),
  tool: z.string(),
  resource: z.string(),
  credentialFingerprint: z.string().describe("SHA-256 hex of the credential used; '' when none"),
  source: z.object({ ip: z.string(), region: z.string() }),
  outcome: Outcome.describe('allow; deny (blocked); would_deny (policy denied, shadow mode let it through); approval_required (held for a person to approve, docs/approvals.md)'),
  shadow: z.boolean(),
  matchedRules: z.array(RecordedRule),
  policyVersion: z.number().int(),
  policyHash: z.string(),
  configVersion: z.number().int(),
  enforcerId: z.string(),
  argumentsDigest: z.string().describe('SHA-256 hex of the arguments as the agent sent them'),
  arguments: z.unknown().nullable().describe('The arguments, when retained (while the tenant is in shadow mode); null otherwise'),
  errorCode: z.string().describe("'' when evaluated without error, else a stable code (UNKNOWN_AGENT, …)"),
  requestedAt: z.iso.datetime(),
  decidedAt: z.iso.datetime(),
  receipt: z.record(z.string(), z.unknown()).describe('The signed receipt (protobuf JSON of thoth.decision.v1.Receipt)'),
});

export const StreamDecisionsQueryParams = z.strictObject({
  ...DecisionFilterFields,
  cursor: StreamCursor.optional().describe(
    'Send the decisions ingested after this position: the `id` of a streamed event. Default: from now on. A Last-Event-ID header wins over it.',
  ),
});

export const DecisionListResponse = z.object({
  items: z.array(DecisionResponse),
  next: z.string().nullable().describe('Pass as `cursor` for the next page (same filters); null on the last page'),
});
