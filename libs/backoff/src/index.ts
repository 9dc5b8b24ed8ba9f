export { jitteredBackoffMs, type Backoff } from './backoff.js';
