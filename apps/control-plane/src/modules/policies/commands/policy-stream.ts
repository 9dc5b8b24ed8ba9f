import { ConcurrencyError } from '../../../event-store/concurrency.error.js';
import type { EventStore } from '../../../event-store/event-store.js';
import { saveAggregate } from '../../../event-store/aggregate-store.js';
import type { Caller } from '../../../platform/caller.js';
import { Policy, policyStreamId } from '../domain/policy.aggregate.js';

const ATTEMPTS = 3;

/**
 * Loads the tenant's policy, lets `change` act on it and appends. If another writer appended
 * in between, the change is re-run on the fresh state: a publish whose If-Match has gone
 * stale then fails as `policy.version_stale` (409), while one that only raced a mode change
 * goes through. No gap and no duplicate can appear: the store's (stream, version) key decides.
 */
export async function changePolicy<R>(store: EventStore, caller: Caller, change: (policy: Policy) => R): Promise<R> {
  const stream = policyStreamId(caller.tenantId);
  for (let attempt = 1; ; attempt++) {
    const policy = Policy.fromHistory(caller.tenantId, await store.load(caller.tenantId, stream));
    const result = change(policy);
    try {
      await saveAggregate(store, caller, stream, policy);
      return result;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
