import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { PublishPolicyCommand } from '../publish-policy/publish-policy.command.js';
import { PublishPolicyHandler } from '../publish-policy/publish-policy.handler.js';
import { caller, clock, policyV1 } from '../test-fixtures.js';
import { SetPolicyModeCommand } from './set-policy-mode.command.js';
import { SetPolicyModeHandler } from './set-policy-mode.handler.js';

describe('SetPolicyModeHandler', () => {
  it('needs a published policy, then records each change of mode once', async () => {
    const store = new InMemoryEventStore();
    const handler = new SetPolicyModeHandler(store, clock);
    await expect(handler.execute(new SetPolicyModeCommand(caller, 'shadow'))).rejects.toMatchObject({ code: 'policy.not_found', kind: 'not_found' });
    await new PublishPolicyHandler(store, clock).execute(new PublishPolicyCommand(caller, policyV1, 'yaml', 0));
    await handler.execute(new SetPolicyModeCommand(caller, 'shadow'));
    await handler.execute(new SetPolicyModeCommand(caller, 'shadow'));
    expect(store.recorded.map((e) => e.type)).toEqual(['policy.version_published', 'policy.mode_changed']);
  });
});
