// What the HTTP APIs share (NestJS over Fastify): problem details, their filter, Nest's logger.
export { jsonPointer, problem, ProblemError, problemType, ProblemSchema, type Problem, type ProblemDetail } from './problem.js';
export { ProblemFilterBase, type ProblemReply } from './problem.filter.js';
export { NestPinoLogger } from './nest-logger.js';
export { addressBucket, limitByAddress, RateLimiter, TokenBucket, type AddressRateLimitOptions, type TakeResult } from './rate-limit.js';
