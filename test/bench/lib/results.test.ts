import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BenchReport, formatValue, measureLatency, percentile, summarize } from './results.js';

describe('percentile (nearest rank)', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest sample with p% at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile(hundred, 99.5)).toBe(100);
  });

  it('handles tiny sample sets without interpolating', () => {
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2], 51)).toBe(2);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });

  it('refuses no samples and out-of-range p', () => {
    expect(() => percentile([], 50)).toThrow(/no samples/);
    expect(() => percentile([1], 101)).toThrow(/out of range/);
    expect(() => percentile([1], Number.NaN)).toThrow(/out of range/);
  });
});

describe('summarize', () => {
  it('sorts, converts ns to µs and keeps the caller throughput', () => {
    // 1000 samples: 990 of 1 µs, 10 of 100 µs, shuffled.
    const ns = [...Array.from({ length: 990 }, () => 1000), ...Array.from({ length: 10 }, () => 100_000)];
    ns.reverse();
    const s = summarize(ns, 12345);
    expect(s.samples).toBe(1000);
    expect(s.p50Us).toBe(1);
    expect(s.p90Us).toBe(1);
    expect(s.p99Us).toBe(1);
    expect(s.maxUs).toBe(100);
    expect(s.minUs).toBe(1);
    expect(s.meanUs).toBeCloseTo((990 * 1 + 10 * 100) / 1000, 10);
    expect(s.throughputPerS).toBe(12345);
  });

  it('puts p99 on the tail once more than 1% of samples are slow', () => {
    const ns = [...Array.from({ length: 980 }, () => 2000), ...Array.from({ length: 20 }, () => 50_000)];
    const s = summarize(ns, 1);
    expect(s.p50Us).toBe(2);
    expect(s.p99Us).toBe(50);
  });
});

describe('measureLatency', () => {
  it('times every sample individually and calls warm-up first', () => {
    const seen: number[] = [];
    const s = measureLatency((i) => seen.push(i), { warmup: 5, samples: 50 });
    expect(s.samples).toBe(50);
    // warm-up 0..4, timed 0..49, throughput loop 0..49
    expect(seen.length).toBe(5 + 50 + 50);
    expect(seen.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(s.p50Us).toBeGreaterThan(0);
    expect(s.p50Us).toBeLessThanOrEqual(s.p99Us);
    expect(s.throughputPerS).toBeGreaterThan(0);
  });

  it('never takes fewer than minSamples when a budget is set', () => {
    const s = measureLatency(() => 1, { warmup: 0, samples: 10_000, minSamples: 300, budgetMs: 0 });
    expect(s.samples).toBe(300);
  });
});

describe('BenchReport', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('writes the shared results format', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const report = new BenchReport('policy');
    report.add('thoth.decide.rules200.p50_us', 1.25, 'us');
    report.addLatency('cedar.decide.rules10', summarize([1000, 2000, 3000], 500));
    report.note('limits have no Cedar equivalent');
    const path = report.write(dir);
    expect(path).toBe(join(dir, 'policy.json'));
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['bench', 'node', 'cpus', 'at', 'metrics']);
    expect(json['bench']).toBe('policy');
    expect(json['node']).toBe(process.version);
    expect(typeof json['cpus']).toBe('number');
    expect(new Date(json['at'] as string).toISOString()).toBe(json['at']);
    expect(json['metrics']).toEqual([
      { name: 'thoth.decide.rules200.p50_us', value: 1.25, unit: 'us' },
      { name: 'cedar.decide.rules10.p50_us', value: 2, unit: 'us' },
      { name: 'cedar.decide.rules10.p90_us', value: 3, unit: 'us' },
      { name: 'cedar.decide.rules10.p99_us', value: 3, unit: 'us' },
      { name: 'cedar.decide.rules10.mean_us', value: 2, unit: 'us' },
      { name: 'cedar.decide.rules10.throughput_per_s', value: 500, unit: 'per_s' },
      { name: 'cedar.decide.rules10.samples', value: 3, unit: 'count' },
    ]);
    expect(report.table()).toContain('note: limits have no Cedar equivalent');
  });

  it('refuses bad names, duplicates and non-finite values', () => {
    const report = new BenchReport('policy');
    expect(() => report.add('NoDots', 1, 'count')).toThrow(/dotted/);
    expect(() => report.add('a.b', Number.NaN, 'count')).toThrow(/finite/);
    report.add('a.b', 1, 'count');
    expect(() => report.add('a.b', 2, 'count')).toThrow(/duplicate/);
    expect(() => new BenchReport('../evil')).toThrow(/bad bench name/);
  });

  it('formats values for the table', () => {
    expect(formatValue(1234567)).toBe('1,234,567');
    expect(formatValue(2.5)).toBe('2.500');
    expect(formatValue(0.00123)).toBe('0.00123');
    expect(formatValue(42.25)).toBe('42.3');
  });
});
