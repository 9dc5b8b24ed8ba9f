import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { hashApiKey } from '@thoth/api-keys';
import type { Clock } from '../../../../platform/clock/clock.js';
import { SignUpTenantCommand } from './sign-up-tenant.command.js';
import { SignUpTenantHandler } from './sign-up-tenant.handler.js';

const clock: Clock = { now: () => new Date('2026-05-01T00:00:00.000Z') };

describe('SignUpTenantHandler', () => {
  it('records a shadow trial ending seven days after sign-up and a first admin key stored only as a hash', async () => {
    const store = new InMemoryEventStore();
    const result = await new SignUpTenantHandler(store, clock).execute(new SignUpTenantCommand('Acme', 'ops@acme.test', 'req-1'));

    expect(store.recorded.map((e) => [e.streamId, e.version, e.type])).toEqual([
      [`tenant-${result.tenantId}`, 1, 'tenant.signed_up'],
      [`tenant-${result.tenantId}`, 2, 'tenant.api_key_issued'],
    ]);
    expect(store.recorded[0]!.payload).toMatchObject({ mode: 'shadow', failMode: 'closed', trialEndsAt: '2026-05-08T00:00:00.000Z' });
    expect(store.recorded[1]!.payload).toMatchObject({ keyId: result.apiKey.keyId, role: 'admin', keyHash: hashApiKey(result.apiKey.key) });
    expect(JSON.stringify(store.recorded.map((e) => [e.payload, e.metadata]))).not.toContain(result.apiKey.key);
    expect(store.recorded[0]!.metadata).toEqual({ actor: 'signup', requestId: 'req-1' });
  });
});
