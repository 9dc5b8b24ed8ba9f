import { describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../../../../event-store/concurrency.error.js';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { SignUpTenantCommand } from '../sign-up-tenant/sign-up-tenant.command.js';
import { SignUpTenantHandler } from '../sign-up-tenant/sign-up-tenant.handler.js';
import { SwitchTenantModeCommand } from './switch-tenant-mode.command.js';
import { SwitchTenantModeHandler } from './switch-tenant-mode.handler.js';

describe('SwitchTenantModeHandler', () => {
  it('switches to enforce once, and refuses a stale If-Match version', async () => {
    const store = new InMemoryEventStore();
    const { tenantId } = await new SignUpTenantHandler(store, { now: () => new Date() }).execute(new SignUpTenantCommand('Acme', 'a@b.test', 'r0'));
    const caller = { tenantId, actor: 'key:k', requestId: 'r1' };
    const handler = new SwitchTenantModeHandler(store, { now: () => new Date() });

    await handler.execute(new SwitchTenantModeCommand(caller, 'enforce', 2));
    await handler.execute(new SwitchTenantModeCommand(caller, 'enforce'));
    expect(store.recorded.map((e) => e.type)).toEqual(['tenant.signed_up', 'tenant.api_key_issued', 'tenant.mode_switched']);
    await expect(handler.execute(new SwitchTenantModeCommand(caller, 'shadow', 2))).rejects.toBeInstanceOf(ConcurrencyError);
  });
});
