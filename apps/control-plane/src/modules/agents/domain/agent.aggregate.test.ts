import { describe, expect, it } from 'vitest';
import { Agent } from './agent.aggregate.js';
import { AgentError } from './agent.errors.js';
import type { AgentEvent } from './events/index.js';
import { hashToken } from '../../../shared/domain/secret-token.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { recordedEvents, thrownBy } from '../../../shared/domain/test-fixtures.js';

const t0 = new Date('2025-07-14T09:00:00Z');
const t1 = new Date('2025-07-14T09:05:00Z');
const base = { agentId: '7b0c8c9e-2f3e-4a53-9a53-0e6a3b1e0001', tenantId: 'c0ffee00-0000-4000-8000-000000000001', name: 'crm-agent' };

const recorded = (events: readonly AgentEvent[], after = 0): RecordedEvent[] => recordedEvents(events, { tenantId: base.tenantId, streamId: `agent-${base.agentId}`, recordedAt: t0 }, after);

function registered(labels: Record<string, string> = { team: 'sales' }): Agent {
  const { agent } = Agent.register({ ...base, labels }, t0);
  return Agent.fromHistory(recorded(agent.uncommittedEvents));
}

const codeOf = (fn: () => unknown): string | undefined => thrownBy(fn, AgentError)?.code;

describe('Agent', () => {
  it('registers with a token that is returned once and stored only as its hash', () => {
    const { agent, token } = Agent.register({ ...base, labels: { team: 'sales', 'example.com/tier': 'gold' } }, t0);
    expect(token).toMatch(/^thoth_at_/);
    expect(agent.tokenHash).toBe(hashToken(token));
    expect(agent.uncommittedEvents).toHaveLength(1);
    const [event] = agent.uncommittedEvents;
    expect(event?.type).toBe('agent.registered');
    expect(event?.schemaVersion).toBe(1);
    expect(JSON.stringify(event?.payload)).not.toContain(token);
    expect(event?.payload).toMatchObject({ name: 'crm-agent', labels: { 'example.com/tier': 'gold', team: 'sales' }, registeredAt: t0.toISOString() });
    expect(agent.status).toBe('active');
    expect(agent.version).toBe(0);
    agent.markCommitted();
    expect(agent.version).toBe(1);
    expect(agent.uncommittedEvents).toHaveLength(0);
  });

  it('rejects names policies could not refer to', () => {
    for (const name of ['', 'CRM agent', '-crm', 'a'.repeat(64), 'crm/agent']) {
      expect(codeOf(() => Agent.register({ ...base, name }, t0))).toBe('agent.invalid_name');
    }
  });

  it('validates label keys and values', () => {
    for (const key of ['', 'has space', '-lead', 'trail-', 'a'.repeat(64), 'Bad_Prefix/x', '/x', 'x/', 'thoth.dev/internal', 'ops.thoth.dev/x']) {
      expect(codeOf(() => Agent.register({ ...base, labels: { [key]: 'v' } }, t0)), key).toBe('agent.invalid_label');
    }
    expect(codeOf(() => Agent.register({ ...base, labels: { team: 'a\nb' } }, t0))).toBe('agent.invalid_label');
    expect(codeOf(() => Agent.register({ ...base, labels: { team: 'x'.repeat(257) } }, t0))).toBe('agent.invalid_label');
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(codeOf(() => Agent.register({ ...base, labels: many }, t0))).toBe('agent.too_many_labels');
    expect(codeOf(() => Agent.register({ ...base, labels: { 'app.kubernetes.io/name': 'crm', 'a.b_c-d': '' } }, t0))).toBeUndefined();
  });

  it('sets and removes labels, recording the resulting map', () => {
    const agent = registered({ team: 'sales', env: 'prod' });
    agent.label({ set: { role: 'oncall' }, remove: ['env', 'absent'] }, t1);
    expect(agent.labels).toEqual({ role: 'oncall', team: 'sales' });
    expect(agent.uncommittedEvents.map((e) => e.type)).toEqual(['agent.labeled']);
    expect(agent.uncommittedEvents[0]?.payload).toMatchObject({ labels: { role: 'oncall', team: 'sales' }, removed: ['env'] });
    expect(codeOf(() => agent.label({ set: { 'bad key': 'x' } }, t1))).toBe('agent.invalid_label');
    expect(codeOf(() => agent.label({ set: { a: '1' }, remove: ['a'] }, t1))).toBe('agent.invalid_label');
  });

  it('records nothing for a label change that changes nothing', () => {
    const agent = registered({ team: 'sales' });
    agent.label({ set: { team: 'sales' }, remove: ['nope'] }, t1);
    expect(agent.uncommittedEvents).toHaveLength(0);
  });

  it('suspends and resumes (the kill switch), idempotently', () => {
    const agent = registered();
    agent.suspend('deleting executives', t1);
    expect(agent.status).toBe('suspended');
    agent.suspend('again', t1);
    agent.resume(t1);
    agent.resume(t1);
    expect(agent.status).toBe('active');
    expect(agent.uncommittedEvents.map((e) => e.type)).toEqual(['agent.suspended', 'agent.resumed']);
    expect(agent.uncommittedEvents[0]?.payload).toMatchObject({ reason: 'deleting executives', suspendedAt: t1.toISOString() });
  });

  it('is terminal once retired', () => {
    const agent = registered();
    agent.suspend(null, t1);
    agent.retire('replaced', t1);
    expect(agent.status).toBe('retired');
    expect(codeOf(() => agent.suspend(null, t1))).toBe('agent.retired');
    expect(codeOf(() => agent.resume(t1))).toBe('agent.retired');
    expect(codeOf(() => agent.label({ set: { a: 'b' } }, t1))).toBe('agent.retired');
    agent.retire('twice', t1);
    expect(agent.uncommittedEvents.map((e) => e.type)).toEqual(['agent.suspended', 'agent.retired']);
    expect(() => agent.suspend(null, t1)).toThrow(expect.objectContaining({ code: 'agent.retired', kind: 'conflict' }));
  });

  it('rebuilds the same state from its history', () => {
    const history = recorded(Agent.register({ ...base, labels: { team: 'sales' } }, t0).agent.uncommittedEvents);
    const live = Agent.fromHistory(history);
    live.label({ set: { env: 'prod' } }, t1);
    live.suspend('incident', t1);
    const rebuilt = Agent.fromHistory([...history, ...recorded(live.uncommittedEvents, 1)]);
    const view = (a: Agent) => ({ id: a.id, tenantId: a.tenantId, name: a.name, status: a.status, labels: a.labels, tokenHash: a.tokenHash });
    expect(view(rebuilt)).toEqual(view(live));
    expect(rebuilt.uncommittedEvents).toHaveLength(0);
    expect(rebuilt.version).toBe(3);
    expect(codeOf(() => Agent.fromHistory([]))).toBe('agent.not_found');
  });
});
