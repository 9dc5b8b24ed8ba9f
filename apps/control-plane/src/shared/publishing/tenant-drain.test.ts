import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TenantDrain } from './tenant-drain.js';

const log = pino({ level: 'silent' });

describe('TenantDrain', () => {
  afterEach(() => vi.useRealTimers());

  it('publishes each changed tenant once, and a tenant whose publish failed again after retryMs', async () => {
    vi.useFakeTimers();
    const published: string[] = [];
    let failures = 1;
    const drain = new TenantDrain({
      name: 'test',
      tenants: () => Promise.resolve([]),
      publish: (tenantId) => (tenantId === 'b' && failures-- > 0 ? Promise.reject(new Error('broker down')) : Promise.resolve(void published.push(tenantId))),
      log,
      retryMs: 1_000,
    });
    drain.changed('a');
    drain.changed('b');
    await drain.idle();
    expect(published).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1_000);
    await drain.idle();
    expect(published).toEqual(['a', 'b']);
    await drain.close();
  });

  it('lists the tenants again when the listing failed (resync)', async () => {
    vi.useFakeTimers();
    const published: string[] = [];
    let failures = 1;
    const drain = new TenantDrain({
      name: 'test',
      tenants: () => (failures-- > 0 ? Promise.reject(new Error('database down')) : Promise.resolve(['a', 'b'])),
      publish: (tenantId) => Promise.resolve(void published.push(tenantId)),
      log,
      retryMs: 1_000,
    });
    await drain.resync();
    expect(published).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await drain.idle();
    expect(published).toEqual(['a', 'b']);
    await drain.close();
  });
});
