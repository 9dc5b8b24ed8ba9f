import { describe, expect, it } from 'vitest';
import { dueBy, intendedSendNs, openLoopLatencyMs } from './open-loop.js';

describe('open-loop schedule', () => {
  it('spaces requests evenly at the offered rate and counts those due, up to the total', () => {
    expect(intendedSendNs(0, 1_000)).toBe(0);
    expect(intendedSendNs(3, 1_000)).toBe(3e6);
    expect(intendedSendNs(3, 3_000)).toBe(1e6);
    expect(dueBy(0, 1_000, 10)).toBe(1);
    expect(dueBy(2.5e6, 1_000, 10)).toBe(3);
    expect(dueBy(1e9, 1_000, 10)).toBe(10);
  });

  it('charges a stall to every request it delayed: latency from the intended send, not the actual one', () => {
    // At 1,000/s the generator stalls for 10 ms: requests 0..10 leave together at 10 ms and
    // each is answered 0.5 ms after it left.
    const sentNs = 10e6;
    const latencies = Array.from({ length: 11 }, (_, n) => openLoopLatencyMs(n, 1_000, sentNs + 0.5e6));
    expect(latencies[0]).toBeCloseTo(10.5, 9);
    expect(latencies[5]).toBeCloseTo(5.5, 9);
    expect(latencies[10]).toBeCloseTo(0.5, 9);
    // Timed from the actual send, all eleven would read 0.5 ms: the stall would vanish.
    expect(latencies.filter((ms) => ms > 0.5 + 1e-9)).toHaveLength(10);
  });

  it('is the service time when the request left on schedule', () => {
    expect(openLoopLatencyMs(7, 3_000, intendedSendNs(7, 3_000) + 0.25e6)).toBeCloseTo(0.25, 9);
  });
});
