import { z } from 'zod';

export const PublicKeyResponse = z.object({
  algorithm: z.literal('Ed25519'),
  keyId: z.string().describe('ed25519: and the first 16 hex digits of SHA-256 of the raw key; snapshots name it'),
  publicKey: z.string().describe('Base64 of the raw 32-byte public key: what THOTH_CONFIG_PUBLIC_KEYS of an enforcer takes'),
});

export const SnapshotResponse = z.object({
  version: z.number().int().describe('The config version enforcers ACK (compare with activeConfig.version of GET /v1/enforcers)'),
  contentHash: z.string(),
  policyVersion: z.number().int().nullable().describe('The policy version it carries; null before any policy is published'),
  mode: z.enum(['shadow', 'enforce']),
  agents: z.number().int(),
  credentialBindings: z.number().int(),
  keyId: z.string(),
  publishedAt: z.iso.datetime(),
});
