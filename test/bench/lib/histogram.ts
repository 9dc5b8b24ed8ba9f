// Prometheus histograms read from a /metrics page, for benchmarks that measure a process from
// outside: the buckets of one histogram (all its series summed), the difference between two
// scrapes, and quantiles interpolated within buckets as PromQL's histogram_quantile does.

/** Cumulative counts by upper bound (`le`), ascending, `+Inf` last. */
export interface Histogram {
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly count: number;
  readonly sum: number;
}

export const EMPTY_HISTOGRAM: Histogram = { buckets: [], count: 0, sum: 0 };

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;
const LE = /(?:^|[{,])le="([^"]+)"/;

/**
 * The histogram `name` in a Prometheus text exposition, every label set summed bucket by bucket
 * (one enforcer's series, or several enforcers' pages concatenated). Absent: `EMPTY_HISTOGRAM`.
 */
export function parseHistogram(text: string, name: string): Histogram {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const [, metric, labels = '', raw] = m;
    const value = Number(raw);
    if (metric === `${name}_bucket`) {
      const le = LE.exec(labels)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + value);
    } else if (metric === `${name}_count`) count += value;
    else if (metric === `${name}_sum`) sum += value;
  }
  const buckets = [...byLe].sort(([a], [b]) => a - b).map(([le, c]) => ({ le, count: c }));
  return { buckets, count, sum };
}

/** A gauge or counter: the sum of every series of `name` (optionally only those whose labels contain `labelFilter`). */
export function parseSample(text: string, name: string, labelFilter?: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== name) continue;
    if (labelFilter !== undefined && !(m[2] ?? '').includes(labelFilter)) continue;
    total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

/** What was observed between two scrapes of the same histogram (`before` may be empty: a first scrape). */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) })),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/** Histograms with the same buckets, added (the same histogram of several processes). */
export function histogramSum(histograms: readonly Histogram[]): Histogram {
  const byLe = new Map<number, number>();
  for (const h of histograms) for (const b of h.buckets) byLe.set(b.le, (byLe.get(b.le) ?? 0) + b.count);
  return {
    buckets: [...byLe].sort(([a], [b]) => a - b).map(([le, count]) => ({ le, count })),
    count: histograms.reduce((a, h) => a + h.count, 0),
    sum: histograms.reduce((a, h) => a + h.sum, 0),
  };
}

/**
 * The q-quantile (0 < q < 1) as PromQL's histogram_quantile estimates it: find the bucket the
 * rank falls in and interpolate linearly between its lower and upper bound (the first bucket's
 * lower bound is 0). A rank in the `+Inf` bucket answers the highest finite bound, so the
 * estimate is then a floor. Undefined when nothing was observed.
 */
export function histogramQuantile(h: Histogram, q: number): number | undefined {
  if (!(q > 0 && q < 1)) throw new Error(`quantile out of range: ${q}`);
  const total = h.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      const inBucket = b.count - below;
      return inBucket <= 0 ? b.le : lower + ((b.le - lower) * (rank - below)) / inBucket;
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}

/** True when the q-quantile's rank falls in the `+Inf` bucket: histogramQuantile is then only a floor. */
export function quantileBeyondBuckets(h: Histogram, q: number): boolean {
  const total = h.buckets.at(-1)?.count ?? 0;
  const finite = h.buckets.filter((b) => b.le !== Infinity).at(-1)?.count ?? 0;
  return total > 0 && finite < q * total;
}
