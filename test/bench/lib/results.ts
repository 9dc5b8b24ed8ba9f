// The shared results format of every benchmark (docs/architecture.md, "Performance targets"):
// a table on stdout and test/bench/results/<bench>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

export type MetricUnit = 'us' | 'ms' | 'per_s' | 'ratio' | 'count' | 'bytes' | 'mb';

export interface Metric {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnit;
}

export interface BenchResults {
  readonly bench: string;
  readonly node: string;
  readonly cpus: number;
  readonly at: string;
  readonly metrics: readonly Metric[];
}

const METRIC_NAME = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

export const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Collects one benchmark's metrics; `write` prints the table and the JSON file. */
export class BenchReport {
  readonly #metrics: Metric[] = [];
  readonly #notes: string[] = [];

  constructor(readonly bench: string) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(bench)) throw new Error(`bad bench name: ${bench}`);
  }

  add(name: string, value: number, unit: MetricUnit): void {
    if (!METRIC_NAME.test(name)) throw new Error(`metric name must be dotted lower_snake: ${name}`);
    if (!Number.isFinite(value)) throw new Error(`metric ${name} is not a finite number: ${value}`);
    if (this.#metrics.some((m) => m.name === name)) throw new Error(`duplicate metric: ${name}`);
    this.#metrics.push({ name, value, unit });
  }

  /** `<prefix>.p50_us`, `.p90_us`, `.p99_us`, `.mean_us`, `.throughput_per_s`, `.samples`. */
  addLatency(prefix: string, latency: LatencySummary): void {
    this.add(`${prefix}.p50_us`, latency.p50Us, 'us');
    this.add(`${prefix}.p90_us`, latency.p90Us, 'us');
    this.add(`${prefix}.p99_us`, latency.p99Us, 'us');
    this.add(`${prefix}.mean_us`, latency.meanUs, 'us');
    this.add(`${prefix}.throughput_per_s`, latency.throughputPerS, 'per_s');
    this.add(`${prefix}.samples`, latency.samples, 'count');
  }

  /** A line printed under the table (caveats a reader must see beside the figures). */
  note(text: string): void {
    this.#notes.push(text);
  }

  get metrics(): readonly Metric[] {
    return this.#metrics;
  }

  toJSON(at: Date = new Date()): BenchResults {
    return {
      bench: this.bench,
      node: process.version,
      cpus: availableParallelism(),
      at: at.toISOString(),
      metrics: [...this.#metrics],
    };
  }

  table(): string {
    const rows = this.#metrics.map((m) => [m.name, formatValue(m.value), m.unit]);
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0), 6));
    const line = (r: string[]) =>
      `${(r[0] ?? '').padEnd(widths[0] ?? 0)}  ${(r[1] ?? '').padStart(widths[1] ?? 0)}  ${r[2] ?? ''}`;
    return [line(['metric', 'value', 'unit']), ...rows.map(line), ...this.#notes.map((n) => `note: ${n}`)].join(
      '\n',
    );
  }

  /** Prints the table and writes `<dir>/<bench>.json`; returns the file's path. */
  write(dir: string = DEFAULT_RESULTS_DIR): string {
    process.stdout.write(`\n${this.table()}\n`);
    mkdirSync(dir, { recursive: true });
    const path = `${dir.replace(/\/$/, '')}/${this.bench}.json`;
    writeFileSync(path, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
    process.stdout.write(`wrote ${path}\n`);
    return path;
  }
}

export function formatValue(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 0.01) return value.toFixed(3);
  return value.toPrecision(3);
}

/**
 * Nearest-rank percentile (the smallest sample with at least p% of samples at or
 * below it) over ascending-sorted samples; p in [0, 100].
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile out of range: ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
  readonly minUs: number;
  readonly maxUs: number;
  /** Calls per second from a separate loop timed as a whole (no per-call clock reads). */
  readonly throughputPerS: number;
}

/** Summary of per-call durations in nanoseconds; throughput is supplied by the caller. */
export function summarize(durationsNs: ArrayLike<number>, throughputPerS: number): LatencySummary {
  const sorted = Float64Array.from(durationsNs).sort();
  let sum = 0;
  for (const d of sorted) sum += d;
  const us = (ns: number) => ns / 1000;
  return {
    samples: sorted.length,
    p50Us: us(percentile(sorted, 50)),
    p90Us: us(percentile(sorted, 90)),
    p99Us: us(percentile(sorted, 99)),
    meanUs: us(sum / sorted.length),
    minUs: us(sorted[0] as number),
    maxUs: us(sorted[sorted.length - 1] as number),
    throughputPerS,
  };
}

export interface LatencyOptions {
  /** Calls before any measurement, so the JIT has settled. */
  readonly warmup: number;
  /** Upper bound on individually timed calls. */
  readonly samples: number;
  /** Lower bound on timed calls, whatever the budget. */
  readonly minSamples?: number;
  /** Wall-clock budget for the timed calls; the sample count shrinks to fit it. */
  readonly budgetMs?: number;
}

/**
 * Times `call(i)` one call at a time with `process.hrtime.bigint()` so p50/p99 are
 * per call, not averages of batches. Each reading includes the clock's own cost
 * (~30–60 ns here; see `clockOverheadNs`), which matters only for sub-µs calls.
 * Throughput comes from a second loop over the same calls timed as a whole.
 */
export function measureLatency(call: (i: number) => unknown, options: LatencyOptions): LatencySummary {
  let sink = 0;
  for (let i = 0; i < options.warmup; i++) if (call(i) === undefined) sink++;

  let samples = options.samples;
  if (options.budgetMs !== undefined) {
    const probe = Math.min(200, samples);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < probe; i++) if (call(i) === undefined) sink++;
    const perCallNs = Number(process.hrtime.bigint() - t0) / probe;
    // Half the budget for timed calls, half for the throughput loop.
    const fit = Math.floor((options.budgetMs * 1e6) / 2 / Math.max(perCallNs, 1));
    samples = Math.max(options.minSamples ?? 1000, Math.min(samples, fit));
  }

  const durations = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    const r = call(i);
    const t1 = process.hrtime.bigint();
    durations[i] = Number(t1 - t0);
    if (r === undefined) sink++;
  }

  const t0 = process.hrtime.bigint();
  for (let i = 0; i < samples; i++) if (call(i) === undefined) sink++;
  const elapsedNs = Number(process.hrtime.bigint() - t0);
  if (sink < 0) throw new Error('unreachable');
  return summarize(durations, (samples * 1e9) / Math.max(elapsedNs, 1));
}

/** Median cost of one pair of `process.hrtime.bigint()` reads, in nanoseconds. */
export function clockOverheadNs(reads = 100_000): number {
  const d = new Float64Array(reads);
  for (let i = 0; i < reads; i++) {
    const t0 = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    d[i] = Number(t1 - t0);
  }
  return percentile(d.sort(), 50);
}

export type Gc = () => void;

/**
 * `global.gc`, turning it on at run time when node was started without --expose-gc
 * (the documented V8 flag, set before the first use).
 */
export async function exposeGc(): Promise<Gc> {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (existing) return existing;
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as Gc;
}

/** Heap growth, in bytes, attributable to what `build` returns and keeps alive. */
export function retainedHeapBytes<T>(gc: Gc, build: () => T): { value: T; bytes: number } {
  const settle = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().heapUsed;
  };
  const before = settle();
  const value = build();
  const after = settle();
  return { value, bytes: after - before };
}
