import { describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../../../../event-store/concurrency.error.js';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import type { Clock } from '../../../../platform/clock/clock.js';
import { RegisterAgentCommand } from '../register-agent/register-agent.command.js';
import { RegisterAgentHandler } from '../register-agent/register-agent.handler.js';
import { SuspendAgentCommand } from './suspend-agent.command.js';
import { SuspendAgentHandler } from './suspend-agent.handler.js';

const clock: Clock = { now: () => new Date('2026-05-01T00:00:00.000Z') };
const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };
const other = { ...caller, tenantId: 'c0ffee00-0000-4000-8000-000000000002' };

describe('SuspendAgentHandler', () => {
  it('suspends once, honours If-Match, and does not find another tenant’s agent', async () => {
    const store = new InMemoryEventStore();
    const { agentId } = await new RegisterAgentHandler(store, clock).execute(new RegisterAgentCommand(caller, 'crm-agent', null, {}));
    const handler = new SuspendAgentHandler(store, clock);
    await expect(handler.execute(new SuspendAgentCommand(other, agentId, 'x'))).rejects.toMatchObject({ code: 'agent.not_found', kind: 'not_found' });
    await handler.execute(new SuspendAgentCommand(caller, agentId, 'deleting executives', 1));
    await handler.execute(new SuspendAgentCommand(caller, agentId, 'again'));
    await expect(handler.execute(new SuspendAgentCommand(caller, agentId, 'stale', 1))).rejects.toBeInstanceOf(ConcurrencyError);
    expect(store.recorded.map((e) => e.type)).toEqual(['agent.registered', 'agent.suspended']);
    expect(store.recorded[1]?.payload).toMatchObject({ reason: 'deleting executives' });
  });
});
