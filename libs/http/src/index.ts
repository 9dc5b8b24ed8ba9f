// What the HTTP APIs share (NestJS over Fastify): problem details, their filter, Nest's logger,
// the per-address rate limit.
export { jsonPointer, problem, ProblemError, problemType, ProblemSchema, type Problem, type ProblemDetail } from './problem.js';
export { ProblemFilterBase, type ProblemReply } from './problem.filter.js';
export { NestPinoLogger } from './nest-logger.js';
export { limitByAddress, type AddressRateLimitOptions } from './rate-limit.js';
// The buckets themselves live in @thoth/rate-limit, which the enforcer uses too.
export { addressBucket, RateLimiter, TokenBucket, type TakeResult } from '@thoth/rate-limit';
