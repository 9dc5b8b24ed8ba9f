import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import type { Clock } from '../../../../platform/clock/clock.js';
import { hashToken } from '../../../../shared/domain/secret-token.js';
import { RegisterAgentCommand } from './register-agent.command.js';
import { RegisterAgentHandler } from './register-agent.handler.js';

const clock: Clock = { now: () => new Date('2026-05-01T00:00:00.000Z') };
const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };

describe('RegisterAgentHandler', () => {
  it('appends agent.registered on a new stream and returns the token once', async () => {
    const store = new InMemoryEventStore();
    const result = await new RegisterAgentHandler(store, clock).execute(new RegisterAgentCommand(caller, 'crm-agent', 'CRM sync', { team: 'sales' }));
    expect(result).toMatchObject({ name: 'crm-agent', version: 1 });
    expect(result.token.startsWith(result.tokenHint)).toBe(true);
    expect(store.recorded.map((e) => [e.streamId, e.version, e.type, e.tenantId])).toEqual([[`agent-${result.agentId}`, 1, 'agent.registered', caller.tenantId]]);
    expect(store.recorded[0]?.payload).toMatchObject({ tokenHash: hashToken(result.token), labels: { team: 'sales' }, registeredAt: '2026-05-01T00:00:00.000Z' });
    expect(JSON.stringify(store.recorded.map((e) => e.payload))).not.toContain(result.token);
    expect(store.recorded[0]?.metadata).toEqual({ actor: 'key:k1', requestId: 'req-1' });
  });

  it('records nothing for invalid input', async () => {
    const store = new InMemoryEventStore();
    await expect(new RegisterAgentHandler(store, clock).execute(new RegisterAgentCommand(caller, 'Not A Slug', null, {}))).rejects.toMatchObject({ code: 'agent.invalid_name' });
    expect(store.recorded).toHaveLength(0);
  });
});
