import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { at, caller, clock, registerEnforcer } from '../test-fixtures.js';
import { RecordEnforcerRejectionCommand } from './record-enforcer-rejection.command.js';
import { RecordEnforcerRejectionHandler } from './record-enforcer-rejection.handler.js';

describe('RecordEnforcerRejectionHandler', () => {
  it('records a NACK with its code', async () => {
    const store = new InMemoryEventStore();
    const enforcerId = await registerEnforcer(store);
    await new RecordEnforcerRejectionHandler(store, clock).execute(new RecordEnforcerRejectionCommand(caller, enforcerId, 5, 'POLICY_INVALID', 'bad rule', at(0)));
    expect(store.recorded.at(-1)).toMatchObject({ type: 'enforcer.config_rejected', payload: { configVersion: 5, errorCode: 'POLICY_INVALID' } });
  });
});
