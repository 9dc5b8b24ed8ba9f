import { z } from 'zod';
import { INVENTORY_FINDINGS } from '../domain/credential-inventory.js';

const Fingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'a credential fingerprint: 64 lowercase hex characters');

export const InventoryQueryParams = z.strictObject({
  finding: z.enum(INVENTORY_FINDINGS as [string, ...string[]]).optional().describe('Only credentials with this finding'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: Fingerprint.optional().describe('`next` of the previous page'),
});

const Finding = z.enum(INVENTORY_FINDINGS as [string, ...string[]]);

export const InventoryResponse = z.object({
  summary: z
    .object({ credentials: z.number().int(), ...Object.fromEntries(INVENTORY_FINDINGS.map((f) => [f, z.number().int()])) })
    .describe('Credentials seen, and how many have each finding (whole inventory)'),
  items: z.array(
    z.object({
      fingerprint: z.string(),
      credential: z
        .object({
          id: z.uuid(),
          name: z.string(),
          kind: z.string(),
          provider: z.string(),
          status: z.enum(['active', 'revoked']),
          expiresAt: z.iso.datetime().nullable(),
          revokedAt: z.iso.datetime().nullable(),
          rotatedOutAt: z.iso.datetime().nullable().describe('When this fingerprint was rotated out of the credential'),
          linkedAgents: z.array(z.string()).describe('Agent names; empty: any agent may use it'),
        })
        .nullable()
        .describe('null: the fingerprint is registered with no credential (finding unknown)'),
      firstSeenAt: z.iso.datetime(),
      lastSeenAt: z.iso.datetime(),
      calls: z.number().int(),
      denied: z.number().int().describe('Denied, or would have been in shadow mode'),
      regions: z.array(z.string()),
      agents: z.array(
        z.object({
          agent: z.string().describe('The agent id decisions name (its name)'),
          agentId: z.uuid().nullable(),
          linked: z.boolean().nullable().describe('null: the credential is unknown or linked to no agent'),
          firstSeenAt: z.iso.datetime(),
          lastSeenAt: z.iso.datetime(),
          calls: z.number().int(),
          denied: z.number().int(),
          regions: z.array(z.string()),
          lastDecisionId: z.string().describe('Its latest decision: GET /v1/decisions/{id}'),
        }),
      ),
      findings: z.array(Finding),
    }),
  ),
  next: z.string().nullable(),
});

export const BaselinesQueryParams = z.strictObject({
  subject: z.enum(['credential', 'agent']).optional(),
  id: z.string().min(1).max(200).optional().describe('A credential fingerprint or an agent name'),
});

const BaselineView = z.object({
  subject: z.enum(['credential', 'agent']),
  id: z.string(),
  observations: z.number().int().describe('Calls it was learned from'),
  resourceClasses: z.array(z.string()),
  regions: z.array(z.string()),
  networks: z.array(z.string()),
  tools: z.array(z.string()),
  peakPerMinute: z.number().int(),
  peakPer10Minutes: z.number().int(),
  activeHoursUtc: z.array(z.number().int()),
  learnedFrom: z.iso.datetime(),
  learnedUntil: z.iso.datetime(),
  version: z.number().int(),
});

export const BaselinesResponse = z.object({ items: z.array(BaselineView) });

export const LearnBaselinesResponse = z.object({
  window: z.object({ from: z.iso.datetime(), until: z.iso.datetime() }),
  decisionsRead: z.number().int(),
  decisionsLearnedFrom: z.number().int().describe('Decisions that count as normal use'),
  subjects: z.number().int(),
  recorded: z.number().int().describe('Baselines that changed (a new snapshot goes to enforcers)'),
  truncated: z.boolean(),
});
