import type { Clock } from '../../../platform/clock/clock.js';

// Shared by this context's handler tests.
export const clock: Clock = { now: () => new Date('2026-05-01T00:00:00.000Z') };
export const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };

export { invalidPolicy, policyV1, policyV2 } from '../domain/test-fixtures.js';
