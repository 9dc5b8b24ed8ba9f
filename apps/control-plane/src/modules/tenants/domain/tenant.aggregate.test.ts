import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { DomainError } from '../../../shared/domain/domain-error.js';
import { Tenant, type NewApiKey } from './tenant.aggregate.js';

const now = new Date('2026-03-01T10:00:00.000Z');
const key = (keyId: string, role: NewApiKey['role'] = 'admin'): NewApiKey => ({ keyId, name: keyId, role, prefix: 'thoth_sk_abcdef', keyHash: 'h' + keyId });

function reload(tenant: Tenant): Tenant {
  const history = tenant.uncommittedEvents.map(
    (e, i): RecordedEvent => ({ ...e, position: BigInt(i + 1), tenantId: 't', streamId: 's', version: i + 1, metadata: { actor: 'x', requestId: 'r' }, recordedAt: now }),
  );
  return Tenant.fromHistory(history);
}

describe('Tenant', () => {
  it('signs up into a seven-day shadow trial, fail-closed, with a first admin key', () => {
    const tenant = Tenant.signUp({ tenantId: 't1', name: 'Acme', email: 'ops@acme.test', now, firstKey: key('k1') });
    expect(tenant.uncommittedEvents.map((e) => e.type)).toEqual(['tenant.signed_up', 'tenant.api_key_issued']);
    expect(tenant.uncommittedEvents[0]!.payload).toMatchObject({ mode: 'shadow', failMode: 'closed', trialEndsAt: '2026-03-08T10:00:00.000Z' });
    expect(reload(tenant).version).toBe(2);
  });

  it('switches mode and fail mode, and records nothing when nothing changes', () => {
    const tenant = reload(Tenant.signUp({ tenantId: 't1', name: 'Acme', email: 'a@b.test', now, firstKey: key('k1') }));
    tenant.switchMode('shadow');
    tenant.chooseFailMode('closed');
    expect(tenant.uncommittedEvents).toEqual([]);
    tenant.switchMode('enforce');
    tenant.chooseFailMode('open');
    expect(tenant.uncommittedEvents.map((e) => e.payload)).toEqual([{ mode: 'enforce', from: 'shadow' }, { failMode: 'open', from: 'closed' }]);
    expect([tenant.mode, tenant.failMode]).toEqual(['enforce', 'open']);
  });

  it('revokes a key once, never an unknown one, never the last admin key', () => {
    const tenant = reload(Tenant.signUp({ tenantId: 't1', name: 'Acme', email: 'a@b.test', now, firstKey: key('k1') }));
    expect(() => tenant.revokeApiKey('k1', now)).toThrow(expect.objectContaining({ code: 'tenant.last_admin_key' }));
    expect(() => tenant.revokeApiKey('nope', now)).toThrow(DomainError);
    tenant.issueApiKey(key('k2', 'auditor'), now);
    tenant.revokeApiKey('k2', now);
    expect(() => tenant.revokeApiKey('k2', now)).toThrow(expect.objectContaining({ code: 'tenant.api_key_already_revoked' }));
  });
});
