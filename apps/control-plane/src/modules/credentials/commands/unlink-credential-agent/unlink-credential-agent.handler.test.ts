import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { RegisterCredentialCommand } from '../register-credential/register-credential.command.js';
import { RegisterCredentialHandler } from '../register-credential/register-credential.handler.js';
import { caller, clock, credentialInput, registerAgent } from '../test-fixtures.js';
import { UnlinkCredentialAgentCommand } from './unlink-credential-agent.command.js';
import { UnlinkCredentialAgentHandler } from './unlink-credential-agent.handler.js';

describe('UnlinkCredentialAgentHandler', () => {
  it('unlinks a linked agent; unlinking again records nothing', async () => {
    const store = new InMemoryEventStore();
    const agentId = await registerAgent(store);
    const { credentialId } = await new RegisterCredentialHandler(store, clock).execute(new RegisterCredentialCommand(caller, credentialInput({ agentIds: [agentId] })));
    const unlink = new UnlinkCredentialAgentHandler(store, clock);
    await unlink.execute(new UnlinkCredentialAgentCommand(caller, credentialId, agentId));
    await unlink.execute(new UnlinkCredentialAgentCommand(caller, credentialId, agentId));
    expect(store.recorded.filter((e) => e.streamId === `credential-${credentialId}`).map((e) => e.type)).toEqual([
      'credential.registered',
      'credential.agent_linked',
      'credential.agent_unlinked',
    ]);
  });
});
