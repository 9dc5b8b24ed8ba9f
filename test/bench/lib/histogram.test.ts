import { describe, expect, it } from 'vitest';
import { EMPTY_HISTOGRAM, histogramDelta, histogramQuantile, histogramSum, parseHistogram, parseSample, quantileBeyondBuckets } from './histogram.js';

const page = (counts: [string, number][], sum: number, labels = '') =>
  [
    '# HELP thoth_lag_seconds Lag.',
    '# TYPE thoth_lag_seconds histogram',
    ...counts.map(([le, c]) => `thoth_lag_seconds_bucket{${labels}le="${le}"} ${c}`),
    `thoth_lag_seconds_sum${labels ? `{${labels.replace(/,$/, '')}}` : ''} ${sum}`,
    `thoth_lag_seconds_count${labels ? `{${labels.replace(/,$/, '')}}` : ''} ${counts.at(-1)![1]}`,
  ].join('\n');

describe('parseHistogram', () => {
  it('reads the buckets, count and sum of one histogram, ascending with +Inf last', () => {
    const h = parseHistogram(`${page([['0.01', 2], ['0.001', 1], ['+Inf', 4]], 0.5)}\nother_total 3\n`, 'thoth_lag_seconds');
    expect(h).toEqual({ buckets: [{ le: 0.001, count: 1 }, { le: 0.01, count: 2 }, { le: Infinity, count: 4 }], count: 4, sum: 0.5 });
  });

  it('sums the label sets, and is empty when the histogram is absent', () => {
    const text = `${page([['0.1', 1], ['+Inf', 2]], 1, 'phase="follow",')}\n${page([['0.1', 3], ['+Inf', 3]], 2, 'phase="rebuild",')}`;
    expect(parseHistogram(text, 'thoth_lag_seconds')).toEqual({ buckets: [{ le: 0.1, count: 4 }, { le: Infinity, count: 5 }], count: 5, sum: 3 });
    expect(parseHistogram('up 1\n', 'thoth_lag_seconds')).toEqual(EMPTY_HISTOGRAM);
  });
});

describe('parseSample', () => {
  it('sums the series of a counter, optionally those with a label', () => {
    const text = 'folded_total{phase="rebuild"} 10\nfolded_total{phase="follow"} 5\nfolded 99\n';
    expect(parseSample(text, 'folded_total')).toBe(15);
    expect(parseSample(text, 'folded_total', 'phase="follow"')).toBe(5);
    expect(parseSample(text, 'absent_total')).toBeUndefined();
  });
});

describe('histogramQuantile', () => {
  // 100 observations: 10 ≤ 1 ms, 80 in (1, 2] ms, 9 in (2, 5] ms, 1 beyond.
  const h = parseHistogram(page([['0.001', 10], ['0.002', 90], ['0.005', 99], ['+Inf', 100]], 0.2), 'thoth_lag_seconds');

  it('interpolates linearly within the bucket the rank falls in, as histogram_quantile does', () => {
    expect(histogramQuantile(h, 0.05)).toBeCloseTo(0.0005, 9); // rank 5 of 10 in [0, 1 ms]
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0.0015, 9); // rank 50: 40 of 80 into (1, 2] ms
    expect(histogramQuantile(h, 0.99)).toBeCloseTo(0.005, 9); // rank 99: the last of (2, 5] ms
    expect(quantileBeyondBuckets(h, 0.99)).toBe(false);
  });

  it('answers the highest finite bound when the rank is beyond the buckets, and says so', () => {
    expect(histogramQuantile(h, 0.995)).toBe(0.005);
    expect(quantileBeyondBuckets(h, 0.995)).toBe(true);
  });

  it('has nothing to say of an empty histogram, and refuses q outside (0, 1)', () => {
    expect(histogramQuantile(EMPTY_HISTOGRAM, 0.5)).toBeUndefined();
    expect(() => histogramQuantile(h, 1)).toThrow(/out of range/);
  });

  it('works on the difference of two scrapes and on the sum of processes', () => {
    const before = parseHistogram(page([['0.001', 10], ['0.002', 10], ['0.005', 10], ['+Inf', 10]], 0.005), 'thoth_lag_seconds');
    const delta = histogramDelta(h, before); // the 90 observations after the first scrape, none ≤ 1 ms
    expect(delta.count).toBe(90);
    expect(histogramQuantile(delta, 0.5)).toBeCloseTo(0.001 + 0.001 * (45 / 80), 9);
    expect(histogramDelta(h, EMPTY_HISTOGRAM)).toEqual(h);
    const twice = histogramSum([h, h]);
    expect(twice.count).toBe(200);
    expect(histogramQuantile(twice, 0.5)).toBeCloseTo(0.0015, 9);
  });
});
