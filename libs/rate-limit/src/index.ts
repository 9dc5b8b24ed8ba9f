// Rate limits by caller, in memory (token buckets in a bounded LRU): the HTTP APIs through @thoth/http, and
// the enforcer's refusals before authentication.
export { addressBucket, RateLimiter, TokenBucket, type TakeResult } from './rate-limit.js';
