import { z } from 'zod';

export const RegisterEnforcerBody = z.strictObject({
  name: z.string().describe('Slug naming the enforcer deployment, e.g. edge-us-west-2-a'),
});

export const ReasonBody = z.strictObject({ reason: z.string().max(1000).nullish() }).default({});
export const EnforcerIdParams = z.strictObject({ id: z.uuid() });

export const EnforcerResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(['active', 'decommissioned']),
  tokenHint: z.string(),
  registeredAt: z.iso.datetime(),
  decommissionedAt: z.iso.datetime().nullable(),
  activeConfig: z
    .object({ version: z.number().int(), contentHash: z.string().nullable(), activatedAt: z.iso.datetime(), instanceId: z.string().nullable() })
    .nullable()
    .describe('The config version it last ACKed (activated), and when'),
  lastRejection: z.object({ version: z.number().int(), errorCode: z.string(), errorMessage: z.string(), rejectedAt: z.iso.datetime() }).nullable(),
  lastSeenAt: z.iso.datetime().nullable(),
  receiptKeys: z
    .array(
      z.object({
        keyId: z.string().describe('Receipt.key_id of the receipts it signs: ed25519: + 16 hex digits of SHA-256 of the key'),
        publicKey: z.string().describe('Base64 of the raw 32-byte Ed25519 public key'),
        instanceId: z.string().describe('The enforcer process that announced it: Receipt.enforcer_id'),
        announcedAt: z.iso.datetime(),
      }),
    )
    .describe("The keys its processes sign receipts with, announced on the config stream with a proof of the private key bound to this registration; oldest first, a rotated-out key kept for the decisions it signed"),
  version: z.number().int(),
});

export const RegisteredEnforcerResponse = z.object({
  enforcer: EnforcerResponse,
  token: z.string().describe('The enforcer token (thoth_et_…) in clear: shown this once, only its SHA-256 is kept'),
});

export const EnforcerListResponse = z.object({ items: z.array(EnforcerResponse) });
