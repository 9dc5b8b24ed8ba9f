import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import type { AppendRequest } from '../../../../event-store/event-store.js';
import type { RecordedEvent } from '../../../../shared/domain/domain-event.js';
import { policyContentHash } from '../../domain/policy-source.js';
import { caller, clock, invalidPolicy, policyV1, policyV2 } from '../test-fixtures.js';
import { PublishPolicyCommand } from './publish-policy.command.js';
import { PublishPolicyHandler } from './publish-policy.handler.js';

describe('PublishPolicyHandler', () => {
  it('publishes version 1 then 2 on the tenant’s one policy stream', async () => {
    const store = new InMemoryEventStore();
    const handler = new PublishPolicyHandler(store, clock);
    expect(await handler.execute(new PublishPolicyCommand(caller, policyV1, 'yaml', 0))).toEqual({ version: 1, contentHash: policyContentHash(policyV1) });
    expect(await handler.execute(new PublishPolicyCommand(caller, policyV2, 'yaml', 1))).toMatchObject({ version: 2 });
    expect(store.recorded.map((e) => [e.streamId, e.version, e.type])).toEqual([
      [`policy-${caller.tenantId}`, 1, 'policy.version_published'],
      [`policy-${caller.tenantId}`, 2, 'policy.version_published'],
    ]);
  });

  it('answers a stale If-Match with policy.version_stale and an invalid source with every error', async () => {
    const store = new InMemoryEventStore();
    const handler = new PublishPolicyHandler(store, clock);
    await handler.execute(new PublishPolicyCommand(caller, policyV1, 'yaml', 0));
    await expect(handler.execute(new PublishPolicyCommand(caller, policyV2, 'yaml', 0))).rejects.toMatchObject({ code: 'policy.version_stale', kind: 'conflict' });
    await expect(handler.execute(new PublishPolicyCommand(caller, invalidPolicy, 'yaml', 1))).rejects.toMatchObject({
      code: 'policy.invalid',
      errors: [expect.objectContaining({ code: 'schema.enum', line: 12 })],
    });
    expect(store.recorded).toHaveLength(1);
  });

  it('re-checks If-Match on the fresh stream when another writer appended in between', async () => {
    // A store that lets another publish land between this handler's load and its append.
    class RacingStore extends InMemoryEventStore {
      raced = false;
      override async append(request: AppendRequest): Promise<RecordedEvent[]> {
        if (!this.raced) {
          this.raced = true;
          await new PublishPolicyHandler(this, clock).execute(new PublishPolicyCommand(caller, policyV2, 'yaml', 1));
        }
        return super.append(request);
      }
    }
    const store = new RacingStore();
    store.raced = true;
    await new PublishPolicyHandler(store, clock).execute(new PublishPolicyCommand(caller, policyV1, 'yaml', 0));
    store.raced = false;
    const other = policyV1.replace('crm.drop_table', 'crm.truncate_table');
    await expect(new PublishPolicyHandler(store, clock).execute(new PublishPolicyCommand(caller, other, 'yaml', 1))).rejects.toMatchObject({
      code: 'policy.version_stale',
    });
    expect(store.recorded.map((e) => e.version)).toEqual([1, 2]);
  });
});
