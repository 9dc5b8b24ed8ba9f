import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { MarkEnforcerSeenCommand } from '../mark-enforcer-seen/mark-enforcer-seen.command.js';
import { MarkEnforcerSeenHandler } from '../mark-enforcer-seen/mark-enforcer-seen.handler.js';
import { at, caller, clock, registerEnforcer } from '../test-fixtures.js';
import { DecommissionEnforcerCommand } from './decommission-enforcer.command.js';
import { DecommissionEnforcerHandler } from './decommission-enforcer.handler.js';

describe('DecommissionEnforcerHandler', () => {
  it('decommissions for good', async () => {
    const store = new InMemoryEventStore();
    const enforcerId = await registerEnforcer(store);
    await new DecommissionEnforcerHandler(store, clock).execute(new DecommissionEnforcerCommand(caller, enforcerId, 'host gone', 1));
    await expect(new MarkEnforcerSeenHandler(store, clock).execute(new MarkEnforcerSeenCommand(caller, enforcerId, at(1)))).rejects.toMatchObject({ code: 'enforcer.decommissioned' });
  });
});
