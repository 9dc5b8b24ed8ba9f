import type { EventStore } from '../../../event-store/event-store.js';
import type { Clock } from '../../../platform/clock/clock.js';
import { RegisterAgentCommand } from '../../agents/commands/register-agent/register-agent.command.js';
import { RegisterAgentHandler } from '../../agents/commands/register-agent/register-agent.handler.js';
import { fingerprintOfSecret } from '../domain/fingerprint.js';
import type { RegisterCredentialInput } from './register-credential/register-credential.command.js';

// Shared by this context's handler tests.
export const clock: Clock = { now: () => new Date('2026-05-01T00:00:00.000Z') };
export const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };
export const otherTenant = { ...caller, tenantId: 'c0ffee00-0000-4000-8000-000000000002' };

export const credentialInput = (overrides: Partial<RegisterCredentialInput> = {}): RegisterCredentialInput => ({
  name: 'Salesforce prod',
  kind: 'oauth_token',
  provider: 'salesforce',
  fingerprint: fingerprintOfSecret('sf-token-1'),
  scopes: ['api'],
  allowedResources: ['crm/*'],
  allowedLocations: { cidrs: ['10.20.0.0/16'], regions: ['us-west-2'] },
  expiresAt: null,
  agentIds: [],
  ...overrides,
});

export async function registerAgent(store: EventStore, who = caller, name = 'crm-agent'): Promise<string> {
  return (await new RegisterAgentHandler(store, clock).execute(new RegisterAgentCommand(who, name, null, {}))).agentId;
}
