import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { at, caller, clock, registerEnforcer } from '../test-fixtures.js';
import { MarkEnforcerSeenCommand } from './mark-enforcer-seen.command.js';
import { MarkEnforcerSeenHandler } from './mark-enforcer-seen.handler.js';

describe('MarkEnforcerSeenHandler', () => {
  it('appends at most one liveness event a minute', async () => {
    const store = new InMemoryEventStore();
    const enforcerId = await registerEnforcer(store);
    const handler = new MarkEnforcerSeenHandler(store, clock);
    for (const s of [0, 15, 30, 59, 60, 61]) await handler.execute(new MarkEnforcerSeenCommand(caller, enforcerId, at(s)));
    expect(store.recorded.filter((e) => e.type === 'enforcer.seen').map((e) => (e.payload as { seenAt: string }).seenAt)).toEqual([at(0).toISOString(), at(60).toISOString()]);
  });
});
