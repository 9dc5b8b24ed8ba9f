import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import type { Clock } from '../../../../platform/clock/clock.js';
import { RegisterAgentCommand } from '../register-agent/register-agent.command.js';
import { RegisterAgentHandler } from '../register-agent/register-agent.handler.js';
import { SuspendAgentCommand } from '../suspend-agent/suspend-agent.command.js';
import { SuspendAgentHandler } from '../suspend-agent/suspend-agent.handler.js';
import { ResumeAgentCommand } from './resume-agent.command.js';
import { ResumeAgentHandler } from './resume-agent.handler.js';

const clock: Clock = { now: () => new Date('2026-05-01T00:00:00.000Z') };
const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };

describe('ResumeAgentHandler', () => {
  it('resumes a suspended agent', async () => {
    const store = new InMemoryEventStore();
    const { agentId } = await new RegisterAgentHandler(store, clock).execute(new RegisterAgentCommand(caller, 'crm-agent', null, {}));
    await new SuspendAgentHandler(store, clock).execute(new SuspendAgentCommand(caller, agentId, null));
    await new ResumeAgentHandler(store, clock).execute(new ResumeAgentCommand(caller, agentId));
    await new ResumeAgentHandler(store, clock).execute(new ResumeAgentCommand(caller, agentId));
    expect(store.recorded.map((e) => e.type)).toEqual(['agent.registered', 'agent.suspended', 'agent.resumed']);
  });
});
