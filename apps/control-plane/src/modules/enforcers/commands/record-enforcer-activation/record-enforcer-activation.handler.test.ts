import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { at, caller, clock, registerEnforcer } from '../test-fixtures.js';
import { RecordEnforcerActivationCommand } from './record-enforcer-activation.command.js';
import { RecordEnforcerActivationHandler } from './record-enforcer-activation.handler.js';

describe('RecordEnforcerActivationHandler', () => {
  it('records each newly activated version; a re-ACK is only a heartbeat', async () => {
    const store = new InMemoryEventStore();
    const enforcerId = await registerEnforcer(store);
    const handler = new RecordEnforcerActivationHandler(store, clock);
    await handler.execute(new RecordEnforcerActivationCommand(caller, enforcerId, 3, at(-10), null, 'pod-a'));
    await handler.execute(new RecordEnforcerActivationCommand(caller, enforcerId, 3, at(-5), null, 'pod-a'));
    await handler.execute(new RecordEnforcerActivationCommand(caller, enforcerId, 4, at(0), null, 'pod-a'));
    expect(store.recorded.map((e) => e.type)).toEqual(['enforcer.registered', 'enforcer.config_activated', 'enforcer.config_activated']);
  });
});
