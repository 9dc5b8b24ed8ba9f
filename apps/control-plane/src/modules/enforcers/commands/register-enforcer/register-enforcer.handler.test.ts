import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { hashToken } from '../../../../shared/domain/secret-token.js';
import { caller, clock } from '../test-fixtures.js';
import { RegisterEnforcerCommand } from './register-enforcer.command.js';
import { RegisterEnforcerHandler } from './register-enforcer.handler.js';

describe('RegisterEnforcerHandler', () => {
  it('registers and returns the enforcer token once, keeping its hash', async () => {
    const store = new InMemoryEventStore();
    const result = await new RegisterEnforcerHandler(store, clock).execute(new RegisterEnforcerCommand(caller, 'edge-a'));
    expect(result.token).toMatch(/^thoth_et_/);
    expect(store.recorded).toHaveLength(1);
    expect(store.recorded[0]).toMatchObject({ type: 'enforcer.registered', streamId: `enforcer-${result.enforcerId}`, payload: { tokenHash: hashToken(result.token) } });
    await expect(new RegisterEnforcerHandler(store, clock).execute(new RegisterEnforcerCommand(caller, 'Edge A'))).rejects.toMatchObject({ code: 'enforcer.invalid_name' });
  });
});
