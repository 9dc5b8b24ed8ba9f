import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrialReportFailed, TrialReportOutcomes } from './trial-report-outcomes.js';

describe('TrialReportOutcomes', () => {
  afterEach(() => vi.useRealTimers());

  it('settles with the failure the producer says', async () => {
    const outcomes = new TrialReportOutcomes();
    const outcome = outcomes.expect('t1', 60_000);
    outcomes.handle(new TrialReportFailed('t1', new Error('replay failed')));
    await expect(outcome).resolves.toEqual({ error: new Error('replay failed') });
  });

  it('fails a wait nobody answers once its time is up, so a pass never hangs on a missing producer', async () => {
    vi.useFakeTimers();
    const outcomes = new TrialReportOutcomes();
    const outcome = outcomes.expect('t1', 300_000);
    let settled = false;
    void outcome.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(299_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const result = await outcome;
    expect('error' in result && (result.error as Error).message).toBe('no day-seven report within 300000 ms of the announcement');
  });

  it('forgets a wait (and its timer) when the claim was not this replica’s', () => {
    vi.useFakeTimers();
    const outcomes = new TrialReportOutcomes();
    void outcomes.expect('t1', 1_000);
    outcomes.forget('t1');
    expect(vi.getTimerCount()).toBe(0);
  });
});
