import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { PublishPolicyCommand } from '../publish-policy/publish-policy.command.js';
import { PublishPolicyHandler } from '../publish-policy/publish-policy.handler.js';
import { caller, clock, policyV1, policyV2 } from '../test-fixtures.js';
import { RollBackPolicyCommand } from './roll-back-policy.command.js';
import { RollBackPolicyHandler } from './roll-back-policy.handler.js';

describe('RollBackPolicyHandler', () => {
  it('publishes version 3 with the content of version 1', async () => {
    const store = new InMemoryEventStore();
    const publish = new PublishPolicyHandler(store, clock);
    await publish.execute(new PublishPolicyCommand(caller, policyV1, 'yaml', 0));
    await publish.execute(new PublishPolicyCommand(caller, policyV2, 'yaml', 1));
    expect(await new RollBackPolicyHandler(store, clock).execute(new RollBackPolicyCommand(caller, 1, 2))).toMatchObject({ version: 3 });
    expect(store.recorded.at(-1)).toMatchObject({ type: 'policy.rolled_back', version: 3, payload: { rolledBackTo: 1, source: policyV1 } });
    await expect(new RollBackPolicyHandler(store, clock).execute(new RollBackPolicyCommand(caller, 7, 3))).rejects.toMatchObject({ code: 'policy.version_not_found' });
  });
});
