import { z } from 'zod';
import { INVENTORY_FINDINGS, type InventoryFinding } from '../../credential-governance/index.js';
import { MAX_POLICY_BYTES } from '../../policies/index.js';
import { LISTED_CREDENTIAL_FINDINGS } from '../domain/credential-findings.js';
import { VIEW_LINK_DEFAULT_SECONDS, VIEW_LINK_MAX_SECONDS } from '../domain/view-link.js';

// Bodies and query strings are strict: an unknown field is a 400 naming its path. Windows are
// half-open, [from, to), at most 31 days (422 shadow_report.window_too_long beyond).

const Time = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

const Window = z
  .strictObject({
    from: Time.describe('Decided at or after (ISO 8601 with offset)'),
    to: Time.describe('Decided before (ISO 8601 with offset)'),
  })
  .refine((w) => w.from < w.to, { path: ['to'], message: 'must be after `from`' })
  .describe('Default: the trial so far while it runs, else the last seven days');

export const GenerateShadowReportBody = z.strictObject({ window: Window.optional() }).optional();

export const ReportIdParams = z.strictObject({ reportId: z.uuid() });
export const ViewLinkParams = z.strictObject({ reportId: z.uuid(), linkId: z.uuid() });
export const ReplayIdParams = z.strictObject({ replayId: z.uuid() });
export const ListQueryParams = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const IssueViewLinkBody = z
  .strictObject({
    expiresInSeconds: z.number().int().min(60).max(VIEW_LINK_MAX_SECONDS).default(VIEW_LINK_DEFAULT_SECONDS).describe(`Default ${VIEW_LINK_DEFAULT_SECONDS}; at most ${VIEW_LINK_MAX_SECONDS}`),
  })
  .optional();

export const ReportPageQueryParams = z.strictObject({ token: z.string().max(256).optional().describe('The view link token (thoth_vl.…)') });

export const RunPolicyReplayBody = z.strictObject({
  source: z.string().max(MAX_POLICY_BYTES).describe('The candidate policy document (apiVersion thoth.dev/policy/v1), validated as PUT /v1/policy validates it'),
  format: z.enum(['yaml', 'json']).default('yaml'),
  window: Window.optional(),
  baseline: z
    .enum(['effect', 'verdict'])
    .default('effect')
    .describe('effect (default): compare with what happened (would_deny went through); verdict: compare with what the policy in force decided (would_deny counts as denied)'),
});

// Responses (documentation: the OpenAPI document shows them).

const Count = z.number().int();
const Finding = z.enum(INVENTORY_FINDINGS as [InventoryFinding, ...InventoryFinding[]]);
const Severity = z.enum(['unspecified', 'low', 'medium', 'high', 'critical']);
const Activity = z.object({
  key: z.string(),
  calls: Count,
  allowed: Count,
  wouldDeny: Count,
  denied: Count,
  firstSeen: z.string(),
  lastSeen: z.string(),
  perDay: z.array(Count),
  perHour: z.array(Count),
});
const Dimension = z.object({
  keys: Count,
  items: z.array(Activity).describe('The 50 busiest'),
  others: z.object({ keys: Count, calls: Count, perDay: z.array(Count), perHour: z.array(Count) }),
  truncated: z.boolean(),
});

export const ShadowReportBody = z.object({
  schemaVersion: z.literal(1),
  window: z.object({ from: z.string(), to: z.string(), days: z.array(z.string()), hourStart: z.string(), hours: Count }),
  generatedAt: z.string(),
  totals: z.object({
    calls: Count,
    allowed: Count,
    wouldDeny: Count,
    denied: Count,
    refused: Count,
    agents: Count,
    tools: Count,
    credentials: Count,
    resources: Count,
    argumentsRetained: Count,
  }),
  activity: z.record(z.enum(['agents', 'tools', 'credentials', 'resources']), Dimension),
  wouldBlock: z.object({
    calls: Count,
    wouldDeny: Count,
    denied: Count,
    byRule: z.array(
      z.object({
        ruleId: z.string(),
        kind: z.string(),
        severity: Severity,
        reason: z.string(),
        attribution: z.enum(['recorded', 'inferred']),
        calls: Count,
        wouldDeny: Count,
        denied: Count,
        agents: z.array(z.string()),
        tools: z.array(z.string()),
        firstSeen: z.string(),
        lastSeen: z.string(),
        examples: z.array(
          z.object({
            decisionId: z.string(),
            agentId: z.string(),
            tool: z.string(),
            resource: z.string(),
            outcome: z.enum(['allow', 'deny', 'would_deny', 'approval_required']),
            decidedAt: z.string(),
            reason: z.string(),
            receipt: z.unknown().describe('The signed receipt (protobuf JSON)'),
          }),
        ),
      }),
    ),
  }),
  credentials: z.object({
    sharedByAgents: z.array(z.object({ fingerprint: z.string(), calls: Count, agents: z.array(z.object({ agentId: z.string(), calls: Count, firstSeen: z.string() })) })),
    newLocations: z.array(
      z.object({
        fingerprint: z.string(),
        dimension: z.enum(['region', 'network']),
        value: z.string(),
        firstSeen: z.string(),
        calls: Count,
        agents: z.array(z.string()),
        exampleDecisionIds: z.array(z.string()),
        baselineFrom: z.string(),
        baselineUntil: z.string(),
        baseline: z.array(z.string()),
      }),
    ),
    findings: z
      .object({
        counts: z.record(Finding, Count).describe('Credentials with each finding in the window'),
        items: z
          .array(
            z.object({
              kind: Finding,
              fingerprint: z.string().describe('SHA-256 of the credential (hex)'),
              credential: z.object({ id: z.uuid(), name: z.string(), status: z.enum(['active', 'revoked']) }).nullable().describe('As registered now; null when unknown'),
              since: z.string().nullable().describe('When it was revoked, expired or rotated out (for those kinds)'),
              agents: z
                .array(z.object({ agent: z.string(), linked: z.boolean().nullable(), calls: Count, firstSeen: z.string(), lastSeen: z.string() }))
                .describe('For unlinked_agent the agents it is not linked to; otherwise every agent that used it'),
              calls: Count,
              firstSeen: z.string(),
              lastSeen: z.string(),
            }),
          )
          .describe(`One per credential and finding, by kind then most calls; at most ${LISTED_CREDENTIAL_FINDINGS}`),
        unlisted: Count,
      })
      .optional()
      .describe('The credential inventory over the window: unknown, shared, revoked/expired/rotated-out still in use, used by an agent it is not linked to. Absent from reports generated before it was added'),
  }),
  riskiestActions: z.array(
    z.object({
      agentId: z.string(),
      tool: z.string(),
      resource: z.string(),
      score: Count,
      breakdown: z.object({ severity: Count, blocked: Count, tool: Count, records: Count, credential: Count }),
      calls: Count,
      wouldDeny: Count,
      denied: Count,
      ruleIds: z.array(z.string()),
      exampleDecisionIds: z.array(z.string()),
      lastSeen: z.string(),
    }),
  ),
  riskScoring: z.unknown().describe('The points of the riskiest-actions score'),
  recommendedPolicy: z.object({
    format: z.literal('yaml'),
    source: z.string().describe('Publish as is with PUT /v1/policy'),
    valid: z.boolean(),
    errors: z.array(z.object({ code: z.string(), message: z.string(), path: z.string(), line: Count, column: Count })),
    basedOn: z.object({
      legitimateCalls: Count,
      excludedCalls: z.object({ wouldDeny: Count, denied: Count, errors: Count }),
      currentPolicy: z.object({ version: Count, carried: z.array(z.string()), dropped: z.array(z.string()) }).nullable(),
    }),
    allowLists: z.array(z.object({ agentId: z.string(), ruleId: z.string(), tools: z.array(z.string()) })),
    limits: z.array(z.object({ agentId: z.string(), tool: z.string(), limitId: z.string(), window: z.literal('1h'), peak: Count, legitimatePeak: Count, maxCalls: Count })),
    elements: z
      .array(
        z.object({
          id: z.string().describe('The rule or limit id in the document'),
          kind: z.enum(['allow-list', 'unseen-read', 'unseen-change', 'hourly-limit', 'burst-limit', 'records-per-call', 'argument-names', 'destinations']),
          agentId: z.string(),
          tool: z.string().optional(),
          effect: z.enum(['allow', 'approve']),
          summary: z.string(),
          basis: z.string().describe('What observations it is based on'),
          confidence: z.object({ level: z.enum(['high', 'medium', 'low']), observations: Count }),
        }),
      )
      .optional()
      .describe('Every recommended element with its basis and confidence; absent from reports made before they were added'),
    notes: z.array(z.string()),
  }),
});

export const ShadowReportSummaryResponse = z.object({
  id: z.uuid(),
  trigger: z.enum(['trial_ended', 'on_demand']),
  window: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
  generatedAt: z.iso.datetime(),
  generatedBy: z.string(),
  calls: Count,
  blocked: Count.describe('Calls blocked or that would have been'),
});

export const ShadowReportResponse = ShadowReportSummaryResponse.extend({ report: ShadowReportBody });
export const ShadowReportListResponse = z.object({ items: z.array(ShadowReportSummaryResponse) });

export const ViewLinkResponse = z.object({
  id: z.uuid().describe('The link’s id, to revoke it: DELETE /v1/shadow-reports/{id}/view-links/{linkId}'),
  path: z.string().describe('Open it on this API’s origin: /v1/shadow-reports/{id}/html?token=…'),
  token: z.string(),
  expiresAt: z.iso.datetime(),
});

const ReplayChange = z.object({
  decisionId: z.string(),
  agentId: z.string(),
  tool: z.string(),
  resource: z.string(),
  decidedAt: z.string(),
  recorded: z.enum(['allow', 'deny', 'would_deny', 'approval_required']),
  replayed: z.enum(['allow', 'deny']),
  ruleIds: z.array(z.string()),
});

export const PolicyReplaySummaryResponse = z.object({
  id: z.uuid(),
  window: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
  requestedAt: z.iso.datetime(),
  requestedBy: z.string(),
  candidate: z.object({ format: z.enum(['yaml', 'json']), contentHash: z.string() }),
  calls: Count,
  changed: Count,
});

export const PolicyReplayResponse = PolicyReplaySummaryResponse.extend({
  result: z.object({
    schemaVersion: z.literal(1),
    window: z.object({ from: z.string(), to: z.string() }),
    baseline: z.enum(['effect', 'verdict']),
    candidate: z.object({ name: z.string(), version: z.string(), policyHash: z.string(), contentHash: z.string(), format: z.enum(['yaml', 'json']) }),
    boundTo: z.object({ agents: Count, credentials: Count, mode: z.literal('enforce') }),
    totals: z.object({ recorded: Count, replayed: Count, skipped: Count, changed: Count, newlyDenied: Count, newlyAllowed: Count, denied: Count, argumentsRetained: Count }),
    skipped: z.array(z.object({ errorCode: z.string(), calls: Count })),
    byRule: z.array(z.object({ ruleId: z.string(), newlyDenied: Count, newlyAllowed: Count, examples: z.array(z.string()) })),
    changedDecisionIds: z.array(z.string()).describe('Every changed decision, in decision-time order'),
    changes: z.array(ReplayChange).describe('The first 500 changes, described'),
    notes: z.array(z.string()),
  }),
});
export const PolicyReplayListResponse = z.object({ items: z.array(PolicyReplaySummaryResponse) });
