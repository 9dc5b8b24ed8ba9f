import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { caller, clock, credentialInput, otherTenant, registerAgent } from '../test-fixtures.js';
import { RegisterCredentialCommand } from './register-credential.command.js';
import { RegisterCredentialHandler } from './register-credential.handler.js';

describe('RegisterCredentialHandler', () => {
  it('registers by fingerprint and links the agents named, in one append', async () => {
    const store = new InMemoryEventStore();
    const agentId = await registerAgent(store);
    const { credentialId, version } = await new RegisterCredentialHandler(store, clock).execute(new RegisterCredentialCommand(caller, credentialInput({ agentIds: [agentId] })));
    expect(version).toBe(2);
    expect(store.recorded.filter((e) => e.streamId === `credential-${credentialId}`).map((e) => e.type)).toEqual(['credential.registered', 'credential.agent_linked']);
  });

  it('refuses an agent of another tenant as not found, and records nothing', async () => {
    const store = new InMemoryEventStore();
    const foreign = await registerAgent(store, otherTenant);
    await expect(new RegisterCredentialHandler(store, clock).execute(new RegisterCredentialCommand(caller, credentialInput({ agentIds: [foreign] })))).rejects.toMatchObject({
      code: 'agent.not_found',
      kind: 'not_found',
    });
    expect(store.recorded.filter((e) => e.type.startsWith('credential.'))).toHaveLength(0);
  });
});
