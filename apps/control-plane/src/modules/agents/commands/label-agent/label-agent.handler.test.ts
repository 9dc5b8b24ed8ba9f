import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import type { Clock } from '../../../../platform/clock/clock.js';
import { RegisterAgentCommand } from '../register-agent/register-agent.command.js';
import { RegisterAgentHandler } from '../register-agent/register-agent.handler.js';
import { LabelAgentCommand } from './label-agent.command.js';
import { LabelAgentHandler } from './label-agent.handler.js';

const clock: Clock = { now: () => new Date('2026-05-01T00:00:00.000Z') };
const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };

describe('LabelAgentHandler', () => {
  it('records the resulting label map', async () => {
    const store = new InMemoryEventStore();
    const { agentId } = await new RegisterAgentHandler(store, clock).execute(new RegisterAgentCommand(caller, 'crm-agent', null, { env: 'dev' }));
    await new LabelAgentHandler(store, clock).execute(new LabelAgentCommand(caller, agentId, { role: 'oncall' }, ['env'], 1));
    expect(store.recorded.at(-1)).toMatchObject({ type: 'agent.labeled', version: 2, payload: { labels: { role: 'oncall' }, removed: ['env'] } });
    await expect(new LabelAgentHandler(store, clock).execute(new LabelAgentCommand(caller, agentId, { 'no spaces': 'x' }, []))).rejects.toMatchObject({
      code: 'agent.invalid_label',
      field: '/labels/no spaces',
    });
  });
});
