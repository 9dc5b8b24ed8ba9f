import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { SignUpTenantCommand } from '../sign-up-tenant/sign-up-tenant.command.js';
import { SignUpTenantHandler } from '../sign-up-tenant/sign-up-tenant.handler.js';
import { ChooseFailModeCommand } from './choose-fail-mode.command.js';
import { ChooseFailModeHandler } from './choose-fail-mode.handler.js';

describe('ChooseFailModeHandler', () => {
  it('records a change of fail mode with who asked', async () => {
    const store = new InMemoryEventStore();
    const { tenantId } = await new SignUpTenantHandler(store, { now: () => new Date() }).execute(new SignUpTenantCommand('Acme', 'a@b.test', 'r0'));
    await new ChooseFailModeHandler(store, { now: () => new Date() }).execute(new ChooseFailModeCommand({ tenantId, actor: 'key:k1', requestId: 'r1' }, 'open'));
    expect(store.recorded.at(-1)).toMatchObject({ type: 'tenant.fail_mode_chosen', payload: { failMode: 'open', from: 'closed' }, metadata: { actor: 'key:k1' } });
  });
});
