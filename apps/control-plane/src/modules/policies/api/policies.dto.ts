import { z } from 'zod';
import { MAX_POLICY_BYTES } from '../domain/policy-source.js';

// Request bodies are strict: an unknown field is a 400 naming its path. The policy source
// itself is checked by the engine: an invalid one is a 422 policy.invalid whose errors carry
// the engine's code, JSON pointer, line and column.

const Format = z.enum(['yaml', 'json']).default('yaml').describe('yaml (default; JSON is YAML too) or strict json');

export const PolicySourceBody = z.strictObject({
  source: z.string().max(MAX_POLICY_BYTES).describe('The policy document text (apiVersion thoth.dev/policy/v1)'),
  format: Format,
});

export const RollBackPolicyBody = z.strictObject({ toVersion: z.number().int().positive() });
export const PolicyModeBody = z.strictObject({ mode: z.enum(['shadow', 'enforce']) });
export const PolicyVersionParams = z.strictObject({ version: z.coerce.number().int().positive() });
export const DiffPolicyQueryParams = z.strictObject({ from: z.coerce.number().int().positive(), to: z.coerce.number().int().positive() });

const PolicyErrorItem = z.object({ code: z.string(), message: z.string(), path: z.string(), line: z.number().int(), column: z.number().int() });

export const ValidationResponse = z.object({
  valid: z.boolean(),
  errors: z.array(PolicyErrorItem),
  contentHash: z.string().optional(),
  document: z.object({ name: z.string(), version: z.string() }).optional(),
  size: z.object({ rules: z.number(), limits: z.number(), freezes: z.number(), sequences: z.number() }).optional(),
});

export const PolicyVersionResponse = z.object({
  version: z.number().int(),
  format: z.enum(['yaml', 'json']),
  contentHash: z.string().describe('Lowercase hex SHA-256 of source'),
  documentName: z.string(),
  documentVersion: z.string(),
  rolledBackTo: z.number().int().nullable(),
  publishedAt: z.iso.datetime(),
  publishedBy: z.string(),
  source: z.string().optional(),
});

export const PolicyResponse = z.object({
  currentVersion: z.number().int(),
  mode: z.enum(['shadow', 'enforce']),
  current: PolicyVersionResponse,
  updatedAt: z.iso.datetime(),
});

export const PolicyVersionListResponse = z.object({ items: z.array(PolicyVersionResponse) });

export const PolicyDiffResponse = z.object({
  from: z.number().int(),
  to: z.number().int(),
  added: z.number().int(),
  removed: z.number().int(),
  hunks: z.array(
    z.object({
      oldStart: z.number().int(),
      oldLines: z.number().int(),
      newStart: z.number().int(),
      newLines: z.number().int(),
      lines: z.array(z.object({ op: z.enum([' ', '+', '-']), text: z.string() })),
    }),
  ),
  unified: z.string(),
});
