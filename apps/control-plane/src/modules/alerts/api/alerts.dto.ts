import { z } from 'zod';

// Request bodies are strict: an unknown field is a 400 naming its path. Address rules (https,
// no private or metadata addresses) are checked by the handler and answered 422 with a stable code.

const Name = z.string().max(100).describe('Unique among the tenant’s active destinations, e.g. soc-webhook');

export const CreateAlertDestinationBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('webhook'),
    name: Name,
    url: z.string().max(2_048).describe('https:// endpoint that receives the signed JSON alert'),
  }),
  z.strictObject({
    kind: z.literal('slack'),
    name: Name,
    url: z.string().max(2_048).describe('A Slack (or Slack-compatible) incoming-webhook URL; kept encrypted, never shown again'),
  }),
  z.strictObject({
    kind: z.literal('syslog'),
    name: Name,
    host: z.string().max(253).describe('Syslog collector (SIEM) host name or address'),
    port: z.number().int().describe('e.g. 514 (UDP), 601 (TCP)'),
    transport: z.enum(['tcp', 'udp']).default('tcp').describe('tcp: RFC 6587 octet counting; udp: one datagram per alert'),
    facility: z.number().int().default(10).describe('RFC 5424 facility of the PRI, 0-23 (default 10, security/authorization)'),
  }),
]);

export const RotateSecretBody = z
  .strictObject({
    keepPreviousForSeconds: z
      .number()
      .int()
      .default(0)
      .describe('How long the old secret keeps signing beside the new one (0 to 604800); 0 retires it at once'),
  })
  .default({ keepPreviousForSeconds: 0 });

export const DestinationIdParams = z.strictObject({ id: z.uuid() });
export const ListDestinationsQueryParams = z.strictObject({
  includeDeleted: z.enum(['true', 'false']).default('false').describe('Also list deleted destinations'),
});

export const AlertDestinationResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(['webhook', 'slack', 'syslog']),
  target: z.string().describe('Scheme, host and port only: the full URL may hold a token and is kept encrypted'),
  syslog: z.object({ host: z.string(), port: z.number().int(), transport: z.enum(['tcp', 'udp']), facility: z.number().int() }).nullable(),
  signing: z
    .object({
      algorithm: z.literal('hmac-sha256'),
      rotatedAt: z.iso.datetime().nullable(),
      previousSecretValidUntil: z.iso.datetime().nullable().describe('While set, alerts carry a second v1= signature made with the previous secret'),
    })
    .nullable()
    .describe('webhook only'),
  status: z.enum(['active', 'deleted']),
  createdAt: z.iso.datetime(),
  deletedAt: z.iso.datetime().nullable(),
  version: z.number().int(),
});

export const CreatedAlertDestinationResponse = z.object({
  destination: AlertDestinationResponse,
  secret: z
    .string()
    .nullable()
    .describe('webhook: the signing secret (whsec_…), shown this once; only its ciphertext is kept. null for other kinds'),
});

export const RotatedSecretResponse = z.object({
  destination: AlertDestinationResponse,
  secret: z.string().describe('The new signing secret, shown this once'),
});

export const AlertDestinationListResponse = z.object({ items: z.array(AlertDestinationResponse) });

export const AlertIdParams = z.strictObject({ id: z.uuid() });
export const ListAlertsQueryParams = z.strictObject({
  status: z.enum(['pending', 'delivered', 'dead_letter']).optional().describe('dead_letter: the dead-letter list'),
  destinationId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.string().max(200).optional().describe('`next` of the previous page'),
});

export const AlertResponse = z.object({
  id: z.uuid(),
  destinationId: z.uuid(),
  decisionId: z.string(),
  kind: z.enum(['block', 'drift', 'approval']),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  status: z.enum(['pending', 'delivered', 'dead_letter']),
  attempts: z.number().int().describe('Attempts in the current delivery cycle (a redelivery starts a new one)'),
  lastError: z.string().nullable(),
  lastAttemptAt: z.iso.datetime().nullable(),
  nextAttemptAt: z.iso.datetime().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
  deadLetteredAt: z.iso.datetime().nullable(),
  redeliveries: z.number().int(),
  createdAt: z.iso.datetime(),
});

export const AlertWithDocumentResponse = AlertResponse.extend({
  document: z.unknown().describe('The alert as sent (the webhook JSON body: decision summary, signed receipt, evidence link)'),
});

export const AlertListResponse = z.object({ items: z.array(AlertResponse), next: z.string().nullable() });
