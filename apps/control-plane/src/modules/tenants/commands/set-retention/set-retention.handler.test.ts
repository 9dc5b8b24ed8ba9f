import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { SignUpTenantCommand } from '../sign-up-tenant/sign-up-tenant.command.js';
import { SignUpTenantHandler } from '../sign-up-tenant/sign-up-tenant.handler.js';
import { SetRetentionCommand } from './set-retention.command.js';
import { SetRetentionHandler } from './set-retention.handler.js';

const clock = { now: () => new Date() };

async function tenantWithRetentionHandler(): Promise<{ store: InMemoryEventStore; tenantId: string; handler: SetRetentionHandler }> {
  const store = new InMemoryEventStore();
  const { tenantId } = await new SignUpTenantHandler(store, clock).execute(new SignUpTenantCommand('Acme', 'a@b.test', 'r0'));
  return { store, tenantId, handler: new SetRetentionHandler(store, clock) };
}

describe('SetRetentionHandler', () => {
  it('records a change of retention with who asked and what it was', async () => {
    const { store, tenantId, handler } = await tenantWithRetentionHandler();
    await handler.execute(new SetRetentionCommand({ tenantId, actor: 'key:k1', requestId: 'r1' }, { decisionDays: 30, argumentDays: 7 }));
    expect(store.recorded.at(-1)).toMatchObject({
      type: 'tenant.retention_set',
      payload: { decisionDays: 30, argumentDays: 7, from: { decisionDays: 90, argumentDays: 30 } },
      metadata: { actor: 'key:k1' },
    });
  });

  it('records nothing when the retention does not change', async () => {
    const { store, tenantId, handler } = await tenantWithRetentionHandler();
    const before = store.recorded.length;
    await handler.execute(new SetRetentionCommand({ tenantId, actor: 'key:k1', requestId: 'r1' }, { decisionDays: 90, argumentDays: 30 }));
    expect(store.recorded).toHaveLength(before);
  });

  it.each([
    [{ decisionDays: 6, argumentDays: 6 }, /from 7 to 3650/],
    [{ decisionDays: 3651, argumentDays: 30 }, /from 7 to 3650/],
    [{ decisionDays: 30, argumentDays: 31 }, /must not exceed decisionDays/],
  ])('refuses %o as tenant.retention_invalid', async (retention, message) => {
    const { tenantId, handler } = await tenantWithRetentionHandler();
    await expect(handler.execute(new SetRetentionCommand({ tenantId, actor: 'key:k1', requestId: 'r1' }, retention))).rejects.toMatchObject({
      code: 'tenant.retention_invalid',
      message: expect.stringMatching(message),
    });
  });
});
