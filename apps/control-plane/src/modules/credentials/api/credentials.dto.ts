import { z } from 'zod';

// Request bodies are strict: an unknown field is a 400 naming its path. A secret sent as
// `token` is hashed by the controller before anything else sees it; prefer `fingerprint`.

const Secret = {
  token: z.string().min(1).max(16_384).optional().describe('The secret itself; hashed at once (SHA-256) and never stored or logged'),
  fingerprint: z.string().optional().describe('Or its SHA-256 as 64 hex characters (sha256: prefix allowed), computed on your side'),
};

const exactlyOneSecret = (v: { token?: string | undefined; fingerprint?: string | undefined }) => (v.token === undefined) !== (v.fingerprint === undefined);
const ONE_SECRET = { message: 'send exactly one of token and fingerprint', path: ['fingerprint'] };

export const RegisterCredentialBody = z
  .strictObject({
    name: z.string().max(200),
    kind: z.enum(['oauth_token', 'api_key']),
    provider: z.string().describe('e.g. salesforce, github, stripe'),
    ...Secret,
    scopes: z.array(z.string()).max(100).optional(),
    allowedResources: z.array(z.string()).max(100).optional().describe('Resource globs (crm/*); empty or absent: any'),
    allowedLocations: z
      .strictObject({
        cidrs: z.array(z.string()).max(100).optional().describe('IPv4/IPv6 CIDRs'),
        regions: z.array(z.string()).max(100).optional(),
      })
      .optional(),
    expiresAt: z.iso.datetime({ offset: true }).nullish(),
    agentIds: z.array(z.uuid()).max(1000).optional().describe('Agents that may use it'),
  })
  .refine(exactlyOneSecret, ONE_SECRET);

export const RotateCredentialBody = z
  .strictObject({
    ...Secret,
    expiresAt: z.iso.datetime({ offset: true }).nullish().describe('Absent keeps the current expiry; null removes it'),
  })
  .refine(exactlyOneSecret, ONE_SECRET);

export const ReasonBody = z.strictObject({ reason: z.string().max(1000).nullish() }).default({});

export const CredentialIdParams = z.strictObject({ id: z.uuid() });
export const CredentialAgentParams = z.strictObject({ id: z.uuid(), agentId: z.uuid() });
export const ListCredentialsQueryParams = z.strictObject({ status: z.enum(['active', 'revoked']).optional(), agentId: z.uuid().optional() });

export const CredentialResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(['oauth_token', 'api_key']),
  provider: z.string(),
  fingerprint: z.string().describe('Lowercase hex SHA-256 of the current secret'),
  rotatedOut: z.array(z.object({ fingerprint: z.string(), activeFrom: z.iso.datetime(), rotatedOutAt: z.iso.datetime() })),
  scopes: z.array(z.string()),
  allowedResources: z.array(z.string()),
  allowedLocations: z.object({ cidrs: z.array(z.string()), regions: z.array(z.string()) }),
  expiresAt: z.iso.datetime().nullable(),
  status: z.enum(['active', 'revoked']),
  agentIds: z.array(z.uuid()),
  registeredAt: z.iso.datetime(),
  rotatedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  revokedReason: z.string().nullable(),
  version: z.number().int(),
});

export const CredentialListResponse = z.object({ items: z.array(CredentialResponse) });
