// The stale-version error lives in the shared kernel (platform's problem filter maps it to 409
// without importing the event store); re-exported here for the event store's users.
export { ConcurrencyError } from '../shared/domain/concurrency.error.js';
