import { z } from 'zod';

// Request bodies are strict: an unknown field is a 400 naming its path. Domain rules (label
// syntax, name slug) are checked by the aggregate and answered 422 with a stable code.

const Labels = z.record(z.string(), z.string()).describe('Label key → value; keys as Kubernetes labels ([prefix/]name)');

export const RegisterAgentBody = z.strictObject({
  name: z.string().describe('Slug policies name the agent by (agents.ids, credential bindings), e.g. crm-agent'),
  description: z.string().max(1000).nullish(),
  labels: Labels.optional(),
});

export const LabelAgentBody = z.strictObject({
  set: Labels.optional(),
  remove: z.array(z.string()).max(64).optional(),
});

export const ReasonBody = z.strictObject({ reason: z.string().max(1000).nullish() }).default({});
export const EmptyBody = z.strictObject({}).default({});

export const AgentIdParams = z.strictObject({ id: z.uuid() });
export const ListAgentsQueryParams = z.strictObject({ status: z.enum(['active', 'suspended', 'retired']).optional() });

export const AgentResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  status: z.enum(['active', 'suspended', 'retired']),
  statusReason: z.string().nullable(),
  statusChangedAt: z.iso.datetime(),
  tokenHint: z.string().describe('The start of the agent token, to tell tokens apart'),
  registeredAt: z.iso.datetime(),
  version: z.number().int(),
});

export const RegisteredAgentResponse = z.object({
  agent: AgentResponse,
  token: z.string().describe('The agent token (thoth_at_…) in clear: shown this once, only its SHA-256 is kept'),
});

export const AgentListResponse = z.object({ items: z.array(AgentResponse) });
