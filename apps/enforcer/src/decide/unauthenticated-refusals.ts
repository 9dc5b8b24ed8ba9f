// What is kept of a call refused before its agent was authenticated (docs/security.md, "Refusals
// before authentication"). Nothing was decided about an agent, and anyone who reaches the port
// can make as many as they like, so none is a decision: each is counted, a few are logged with
// their peer, and a peer that makes too many is limited.
import { addressBucket, RateLimiter } from '@thoth/rate-limit';
import type { Logger } from '../logger.js';
import type { EnforcerMetrics } from './metrics.js';

const DEFAULT_REFUSALS_PER_PEER_PER_MINUTE = 600;
const DEFAULT_REFUSAL_LOG_LINES_PER_MINUTE = 10;
const PERIOD_MS = 60_000;

export interface UnauthenticatedRefusalsOptions {
  /** Refusals a peer address (IPv6: its /64) may have a minute before it is answered RATE_LIMITED. */
  readonly perPeerPerMinute?: number;
  /** Refusals logged a minute; beyond, they are counted and the count logged when the minute ends. */
  readonly logLinesPerMinute?: number;
  readonly logger: Logger;
  readonly metrics: EnforcerMetrics | undefined;
  readonly clock: () => number;
}

/** One refusal: `reason` is the code the caller was answered, `cause` what only the operator is told. */
export interface Refusal {
  readonly peer: string;
  readonly reason: string;
  readonly cause: string;
  readonly tenantId?: string;
  readonly agentId?: string;
}

export class UnauthenticatedRefusals {
  readonly #limiter: RateLimiter;
  readonly #logLines: number;
  readonly #logger: Logger;
  readonly #metrics: EnforcerMetrics | undefined;
  readonly #clock: () => number;
  #periodStart: number | undefined;
  #logged = 0;
  readonly #notLogged = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: UnauthenticatedRefusalsOptions) {
    this.#limiter = new RateLimiter(options.perPeerPerMinute ?? DEFAULT_REFUSALS_PER_PEER_PER_MINUTE);
    this.#logLines = options.logLinesPerMinute ?? DEFAULT_REFUSAL_LOG_LINES_PER_MINUTE;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#clock = options.clock;
  }

  /** Takes one refusal from the peer's budget; false once it is spent (the call is answered RATE_LIMITED). */
  admit(peer: string): boolean {
    return this.#limiter.take(addressBucket(peer), this.#clock()).allowed;
  }

  /** Counts the refusal; logs it if this minute's lines are not all used, else counts it for the minute's summary. */
  record(refusal: Refusal): void {
    this.#metrics?.unauthenticatedRefusals.inc({ reason: refusal.reason.toLowerCase() });
    const now = this.#clock();
    if (this.#periodStart !== undefined && now - this.#periodStart >= PERIOD_MS) this.flush();
    this.#periodStart ??= now;
    if (this.#logged < this.#logLines) {
      this.#logged++;
      this.#logger.warn(refusal, 'refused before authentication');
      return;
    }
    this.#notLogged.set(refusal.cause, (this.#notLogged.get(refusal.cause) ?? 0) + 1);
    // The minute's summary is due even if no refusal follows to notice that the minute is over.
    this.#timer ??= setTimeout(() => this.flush(), Math.max(0, this.#periodStart + PERIOD_MS - now)).unref();
  }

  /** Ends the minute: logs how many refusals were not logged, by cause. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#notLogged.size > 0) {
      const byCause = Object.fromEntries(this.#notLogged);
      const notLogged = [...this.#notLogged.values()].reduce((n, c) => n + c, 0);
      this.#logger.warn({ notLogged, byCause }, 'refusals before authentication not logged');
    }
    this.#notLogged.clear();
    this.#logged = 0;
    this.#periodStart = undefined;
  }
}
