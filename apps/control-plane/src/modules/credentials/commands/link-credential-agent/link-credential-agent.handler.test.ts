import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { RetireAgentCommand } from '../../../agents/commands/retire-agent/retire-agent.command.js';
import { RetireAgentHandler } from '../../../agents/commands/retire-agent/retire-agent.handler.js';
import { RegisterCredentialCommand } from '../register-credential/register-credential.command.js';
import { RegisterCredentialHandler } from '../register-credential/register-credential.handler.js';
import { caller, clock, credentialInput, registerAgent } from '../test-fixtures.js';
import { LinkCredentialAgentCommand } from './link-credential-agent.command.js';
import { LinkCredentialAgentHandler } from './link-credential-agent.handler.js';

describe('LinkCredentialAgentHandler', () => {
  it('links an agent of the tenant once, and refuses a retired or unknown one', async () => {
    const store = new InMemoryEventStore();
    const agentId = await registerAgent(store);
    const retired = await registerAgent(store, caller, 'old-agent');
    await new RetireAgentHandler(store, clock).execute(new RetireAgentCommand(caller, retired, null));
    const { credentialId } = await new RegisterCredentialHandler(store, clock).execute(new RegisterCredentialCommand(caller, credentialInput()));
    const link = new LinkCredentialAgentHandler(store, clock);
    await link.execute(new LinkCredentialAgentCommand(caller, credentialId, agentId, 1));
    await link.execute(new LinkCredentialAgentCommand(caller, credentialId, agentId));
    await expect(link.execute(new LinkCredentialAgentCommand(caller, credentialId, retired))).rejects.toMatchObject({ code: 'agent.retired' });
    await expect(link.execute(new LinkCredentialAgentCommand(caller, credentialId, '00000000-0000-4000-8000-000000000000'))).rejects.toMatchObject({ code: 'agent.not_found' });
    expect(store.recorded.filter((e) => e.streamId === `credential-${credentialId}`).map((e) => e.type)).toEqual(['credential.registered', 'credential.agent_linked']);
  });
});
