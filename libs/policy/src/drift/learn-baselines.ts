import { canonicalFingerprint } from '../match/fingerprint.js';
import type { Baseline, BaselineSubject, DecisionRequest, RecordedCall } from '../types.js';
import { networkOf, resourceClass } from './usage-keys.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const RING = 10;

/** Options of `BaselineLearner`. */
export interface BaselineLearnerOptions {
  /**
   * Distinct values kept per dimension (resource classes, regions, networks, tools) of one
   * subject. A subject with more has no baseline for that dimension (it is too diverse to
   * tell drift from use): the list comes out empty and is not checked. Default 256.
   */
  readonly maxValues?: number;
  /** Subjects learned at most; calls of further subjects are counted in `stats().skipped`. Default 100,000. */
  readonly maxSubjects?: number;
}

/** A learned baseline with the span of the calls it was learned from (epoch ms). */
export interface LearnedBaseline {
  readonly baseline: Baseline;
  readonly firstAt: number;
  readonly lastAt: number;
}

class Dimension {
  values: Set<string> | undefined = new Set();
  add(v: string, max: number): void {
    if (this.values === undefined || this.values.has(v)) return;
    if (this.values.size >= max) this.values = undefined;
    else this.values.add(v);
  }
  list(): string[] {
    return this.values === undefined ? [] : [...this.values].sort();
  }
}

class Usage {
  observations = 0;
  firstAt = Number.POSITIVE_INFINITY;
  lastAt = Number.NEGATIVE_INFINITY;
  readonly resources = new Dimension();
  readonly regions = new Dimension();
  readonly networks = new Dimension();
  readonly tools = new Dimension();
  hours = 0;
  peakPerMinute = 0;
  peakPer10Minutes = 0;
  /** Minute number held by the newest slot of `minutes`. */
  head = Number.NEGATIVE_INFINITY;
  readonly minutes = new Array<number>(RING).fill(0);
  sum = 0;

  constructor(
    readonly subject: BaselineSubject,
    readonly id: string,
  ) {}

  count(at: number): void {
    const m = Math.floor(at / MINUTE_MS);
    if (m > this.head) {
      if (m - this.head >= RING) {
        this.minutes.fill(0);
        this.sum = 0;
      } else {
        for (let k = this.head + 1; k <= m; k++) {
          const slot = ((k % RING) + RING) % RING;
          this.sum -= this.minutes[slot]!;
          this.minutes[slot] = 0;
        }
      }
      this.head = m;
    } else if (m <= this.head - RING) {
      return; // older than the ten minutes kept: counted as an observation, not in the peaks
    }
    const slot = ((m % RING) + RING) % RING;
    const inMinute = ++this.minutes[slot]!;
    this.sum++;
    if (inMinute > this.peakPerMinute) this.peakPerMinute = inMinute;
    if (this.sum > this.peakPer10Minutes) this.peakPer10Minutes = this.sum;
  }
}

/**
 * Learns baselines — per credential and per agent: resource classes, source regions and
 * networks, tools, peak calls per minute and per ten minutes, active hours of the day (UTC)
 * — from recorded calls, streaming, in memory bounded by subjects × `maxValues`. Feed the
 * calls in time order (peaks are counted over minute-aligned windows as the calls go by;
 * a call more than ten minutes older than its subject's newest counts toward everything
 * but the peaks). Feed only the calls that should count as normal use: the control plane
 * leaves out denied calls and calls that drifted (docs/credential-governance.md).
 */
export class BaselineLearner {
  readonly #maxValues: number;
  readonly #maxSubjects: number;
  readonly #usage = new Map<string, Usage>();
  #skipped = 0;

  constructor(opts: BaselineLearnerOptions = {}) {
    this.#maxValues = opts.maxValues ?? 256;
    this.#maxSubjects = opts.maxSubjects ?? 100_000;
  }

  observe(at: number, request: DecisionRequest): void {
    const fp = request.credential?.fingerprint;
    if (typeof fp === 'string' && fp !== '') this.#observe('credential', canonicalFingerprint(fp), at, request);
    if (typeof request.agent?.id === 'string' && request.agent.id !== '') this.#observe('agent', request.agent.id, at, request);
  }

  #observe(subject: BaselineSubject, id: string, at: number, r: DecisionRequest): void {
    const key = `${subject}\u0000${id}`;
    let u = this.#usage.get(key);
    if (u === undefined) {
      if (this.#usage.size >= this.#maxSubjects) {
        this.#skipped++;
        return;
      }
      this.#usage.set(key, (u = new Usage(subject, id)));
    }
    const max = this.#maxValues;
    u.observations++;
    if (at < u.firstAt) u.firstAt = at;
    if (at > u.lastAt) u.lastAt = at;
    u.resources.add(resourceClass(typeof r.resource === 'string' ? r.resource : ''), max);
    u.tools.add(r.tool, max);
    const region = r.source?.region;
    if (typeof region === 'string' && region !== '') u.regions.add(region, max);
    const ip = r.source?.ip;
    const net = typeof ip === 'string' && ip !== '' ? networkOf(ip) : undefined;
    if (net !== undefined) u.networks.add(net, max);
    u.hours |= 1 << (((Math.floor(at / HOUR_MS) % 24) + 24) % 24);
    u.count(at);
  }

  /** Calls of subjects beyond `maxSubjects`. */
  stats(): { readonly subjects: number; readonly skipped: number } {
    return { subjects: this.#usage.size, skipped: this.#skipped };
  }

  /** The baselines learned so far, credentials first, each group sorted by id. */
  baselines(): LearnedBaseline[] {
    const hoursOf = (mask: number): number[] => [...Array(24).keys()].filter((h) => (mask & (1 << h)) !== 0);
    return [...this.#usage.values()]
      .sort((a, b) => (a.subject === b.subject ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.subject === 'credential' ? -1 : 1))
      .map((u) => ({
        firstAt: u.firstAt,
        lastAt: u.lastAt,
        baseline: {
          subject: u.subject,
          id: u.id,
          observations: u.observations,
          resourceClasses: u.resources.list(),
          regions: u.regions.list(),
          networks: u.networks.list(),
          tools: u.tools.list(),
          peakPerMinute: u.peakPerMinute,
          peakPer10Minutes: u.peakPer10Minutes,
          activeHoursUtc: hoursOf(u.hours),
        },
      }));
  }
}

/**
 * Baselines from recorded calls: sorted by time, recorded denials (`effect: deny` or
 * `shadow: true`) left out, the rest fed to a `BaselineLearner`.
 */
export function learnBaselines(calls: readonly RecordedCall[], opts: BaselineLearnerOptions = {}): LearnedBaseline[] {
  const learner = new BaselineLearner(opts);
  const ordered = calls.map((c, i) => ({ c, i })).sort((a, b) => a.c.at - b.c.at || a.i - b.i);
  for (const { c } of ordered) {
    if (c.recorded !== undefined && (c.recorded.effect === 'deny' || c.recorded.shadow === true)) continue;
    learner.observe(c.at, c.request);
  }
  return learner.baselines();
}
