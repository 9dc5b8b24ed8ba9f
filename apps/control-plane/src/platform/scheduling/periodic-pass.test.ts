import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeriodicPass } from './periodic-pass.js';

const silent = pino({ level: 'silent' });

function deferred(): { promise: Promise<number>; resolve: (n: number) => void; reject: (e: Error) => void } {
  let resolve!: (n: number) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

afterEach(() => vi.useRealTimers());

describe('PeriodicPass', () => {
  it('joins a pass already running instead of starting a second', async () => {
    const gate = deferred();
    const pass = vi.fn(() => gate.promise);
    const passes = new PeriodicPass(pass, silent, 'failed');
    const first = passes.run();
    const second = passes.run();
    gate.resolve(7);
    expect([await first, await second]).toEqual([7, 7]);
    expect(pass).toHaveBeenCalledTimes(1);
    await passes.run();
    expect(pass).toHaveBeenCalledTimes(2);
  });

  it('runs on its timer, logs a failed timed pass and tries again at the next tick', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
    const pass = vi.fn().mockRejectedValueOnce(new Error('database away')).mockResolvedValue(1);
    const passes = new PeriodicPass(pass, log, 'pass failed');
    passes.start(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toEqual([expect.objectContaining({ msg: 'pass failed', err: expect.objectContaining({ message: 'database away' }) })]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pass).toHaveBeenCalledTimes(2);
    await passes.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(pass).toHaveBeenCalledTimes(2);
  });

  it('rejects to a caller of run(), and stop() waits for the pass in flight whatever its outcome', async () => {
    const gate = deferred();
    const passes = new PeriodicPass(() => gate.promise, silent, 'failed');
    const running = passes.run();
    let stopped = false;
    const stopping = passes.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    gate.reject(new Error('boom'));
    await expect(running).rejects.toThrow('boom');
    await stopping;
    expect(stopped).toBe(true);
  });
});
