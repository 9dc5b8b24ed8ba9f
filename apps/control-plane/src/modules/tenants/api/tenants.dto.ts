import { z } from 'zod';
import { API_KEY_ROLES } from '@thoth/api-keys';
import { RETENTION_LIMITS } from '../domain/retention.js';

// Request bodies are strict: an unknown field is a 400 naming its path.

export const SignUpTenantBody = z.strictObject({
  name: z.string().trim().min(1).max(200).describe('The organisation'),
  email: z.email().max(320).describe('Where the trial report goes'),
});

export const SwitchModeBody = z.strictObject({ mode: z.enum(['shadow', 'enforce']) });
export const ChooseFailModeBody = z.strictObject({ failMode: z.enum(['open', 'closed']) });

const retentionDays = z.number().int().min(RETENTION_LIMITS.minDays).max(RETENTION_LIMITS.maxDays);
export const Retention = z.object({
  decisionDays: retentionDays.describe('Days decision records are kept in the read model'),
  argumentDays: retentionDays.describe('Days their retained arguments are kept (at most decisionDays)'),
});
export const SetRetentionBody = z.strictObject(Retention.shape);

export const IssueApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: z.enum(API_KEY_ROLES),
});

export const ApiKeyIdParams = z.strictObject({ id: z.uuid() });

export const TenantResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  mode: z.enum(['shadow', 'enforce']),
  failMode: z.enum(['open', 'closed']),
  signedUpAt: z.iso.datetime(),
  trial: z.object({
    endsAt: z.iso.datetime(),
    active: z.boolean(),
    status: z.enum(['active', 'ending', 'ended']).describe('ending: the end has passed, the scheduler has yet to record it (within a minute)'),
    endedAt: z.iso.datetime().nullable(),
    reportId: z.string().nullable().describe('The day-seven shadow report, once produced'),
  }),
  retention: Retention.describe('How long decisions and their retained arguments are kept (docs/retention.md)'),
  version: z.number().int(),
});

export const IssuedApiKeyResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(API_KEY_ROLES),
  prefix: z.string(),
  key: z.string().describe('The API key in clear: shown this once, only its hash is kept'),
});

export const SignUpTenantResponse = z.object({ tenant: TenantResponse, apiKey: IssuedApiKeyResponse });

export const ApiKeyResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(API_KEY_ROLES),
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  revokedAt: z.iso.datetime().nullable(),
});

export const ApiKeyListResponse = z.object({ items: z.array(ApiKeyResponse) });
