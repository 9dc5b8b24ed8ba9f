import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { hashToken } from '../../../shared/domain/secret-token.js';
import { recordedEvents, thrownBy } from '../../../shared/domain/test-fixtures.js';
import { Enforcer } from './enforcer.aggregate.js';
import { EnforcerError } from './enforcer.errors.js';
import type { EnforcerEvent } from './events/index.js';

const base = { enforcerId: '9e0c8c9e-2f3e-4a53-9a53-0e6a3b1e0001', tenantId: 'c0ffee00-0000-4000-8000-000000000001', name: 'edge-us-west-2-a' };
const t0 = new Date('2025-07-14T09:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const hash = 'a'.repeat(64);

const recorded = (events: readonly EnforcerEvent[], after = 0): RecordedEvent[] => recordedEvents(events, { tenantId: base.tenantId, streamId: `enforcer-${base.enforcerId}`, recordedAt: t0 }, after);

const codeOf = (fn: () => unknown): string | undefined => thrownBy(fn, EnforcerError)?.code;

function registered(): { enforcer: Enforcer; history: RecordedEvent[] } {
  const history = recorded(Enforcer.register(base, t0).enforcer.uncommittedEvents);
  return { enforcer: Enforcer.fromHistory(history), history };
}

describe('Enforcer', () => {
  it('registers with a token shown once and stored as its hash', () => {
    const { enforcer, token } = Enforcer.register(base, t0);
    expect(token).toMatch(/^thoth_et_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
    expect(enforcer.tokenHash).toBe(hashToken(token));
    expect(enforcer.uncommittedEvents.map((e) => [e.type, e.schemaVersion])).toEqual([['enforcer.registered', 1]]);
    expect(JSON.stringify(enforcer.uncommittedEvents)).not.toContain(token);
    expect(enforcer.activation).toBeNull();
    expect(codeOf(() => Enforcer.register({ ...base, name: 'Edge A' }, t0))).toBe('enforcer.invalid_name');
  });

  it('records the config version it activated and when, which also counts as seen', () => {
    const { enforcer } = registered();
    enforcer.recordActivation({ configVersion: 7, contentHash: hash, activatedAt: at(5) }, at(6));
    expect(enforcer.activation).toEqual({ configVersion: 7, contentHash: hash, activatedAt: at(5), instanceId: null });
    expect(enforcer.lastSeenAt).toEqual(at(5));
    enforcer.recordActivation({ configVersion: 6, activatedAt: at(10) }, at(10));
    expect(enforcer.activation?.configVersion).toBe(6);
    expect(enforcer.uncommittedEvents.map((e) => e.type)).toEqual(['enforcer.config_activated', 'enforcer.config_activated']);
  });

  it('treats a re-ACK of the running version as a heartbeat', () => {
    const { enforcer } = registered();
    enforcer.recordActivation({ configVersion: 7, contentHash: hash, activatedAt: at(0) }, at(0));
    enforcer.recordActivation({ configVersion: 7, contentHash: hash, activatedAt: at(30) }, at(30));
    enforcer.recordActivation({ configVersion: 7, contentHash: hash, activatedAt: at(90) }, at(90));
    expect(enforcer.uncommittedEvents.map((e) => e.type)).toEqual(['enforcer.config_activated', 'enforcer.seen']);
    expect(enforcer.activation?.activatedAt).toEqual(at(0));
    expect(enforcer.lastSeenAt).toEqual(at(90));
  });

  it('records heartbeats at most once a minute', () => {
    const { enforcer } = registered();
    for (let s = 0; s <= 180; s += 10) enforcer.markSeen(at(s));
    expect(enforcer.uncommittedEvents.map((e) => e.payload)).toEqual([0, 60, 120, 180].map((s) => ({ enforcerId: base.enforcerId, seenAt: at(s).toISOString() })));
  });

  it('records a rejected config (NACK) without touching the activated one', () => {
    const { enforcer } = registered();
    enforcer.recordActivation({ configVersion: 3, activatedAt: at(0), instanceId: 'pod-a' }, at(0));
    enforcer.recordRejection({ configVersion: 4, errorCode: 'POLICY_INVALID', errorMessage: 'x'.repeat(5000), rejectedAt: at(2), instanceId: 'pod-a' }, at(2));
    expect(enforcer.activation).toMatchObject({ configVersion: 3, instanceId: 'pod-a' });
    expect(enforcer.lastRejection).toMatchObject({ configVersion: 4, errorCode: 'POLICY_INVALID', rejectedAt: at(2) });
    expect(enforcer.lastRejection?.errorMessage).toHaveLength(2000);
    expect(codeOf(() => enforcer.recordRejection({ configVersion: 4, errorCode: 'bad code', errorMessage: '', rejectedAt: at(3) }, at(3)))).toBe('enforcer.invalid_activation');
  });

  it('validates activations', () => {
    const { enforcer } = registered();
    expect(codeOf(() => enforcer.recordActivation({ configVersion: 0, activatedAt: t0 }, t0))).toBe('enforcer.invalid_activation');
    expect(codeOf(() => enforcer.recordActivation({ configVersion: 1.5, activatedAt: t0 }, t0))).toBe('enforcer.invalid_activation');
    expect(codeOf(() => enforcer.recordActivation({ configVersion: 1, contentHash: 'XYZ', activatedAt: t0 }, t0))).toBe('enforcer.invalid_activation');
    expect(codeOf(() => enforcer.recordActivation({ configVersion: 1, activatedAt: at(3600) }, t0))).toBe('enforcer.invalid_activation');
  });

  it('is terminal once decommissioned', () => {
    const { enforcer } = registered();
    enforcer.decommission('host retired', at(1));
    enforcer.decommission('again', at(2));
    expect(enforcer.status).toBe('decommissioned');
    expect(codeOf(() => enforcer.markSeen(at(100)))).toBe('enforcer.decommissioned');
    expect(codeOf(() => enforcer.recordActivation({ configVersion: 1, activatedAt: at(3) }, at(3)))).toBe('enforcer.decommissioned');
    expect(enforcer.uncommittedEvents.map((e) => e.type)).toEqual(['enforcer.decommissioned']);
  });

  it('rebuilds the same state from its history', () => {
    const { enforcer: live, history } = registered();
    live.recordActivation({ configVersion: 3, contentHash: hash, activatedAt: at(1) }, at(1));
    live.recordRejection({ configVersion: 4, errorCode: 'SIGNATURE_INVALID', errorMessage: 'bad signature', rejectedAt: at(2) }, at(2));
    live.markSeen(at(120));
    const rebuilt = Enforcer.fromHistory([...history, ...recorded(live.uncommittedEvents, 1)]);
    const view = (e: Enforcer) => ({ id: e.id, name: e.name, activation: e.activation, rejection: e.lastRejection, lastSeenAt: e.lastSeenAt, status: e.status, tokenHash: e.tokenHash });
    expect(view(rebuilt)).toEqual(view(live));
    expect(rebuilt.version).toBe(4);
    expect(codeOf(() => Enforcer.fromHistory([]))).toBe('enforcer.not_found');
  });
});
