export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (the RateLimit `t` parameter). */
  resetSeconds: number;
  /** When refused: seconds until one token is back (Retry-After). */
  retryAfterSeconds: number;
}

/** A token bucket: `capacity` requests at once, refilled evenly over `windowSeconds`. */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly capacity: number,
    readonly windowSeconds: number,
    nowMs: number,
  ) {
    this.#tokens = capacity;
    this.#at = nowMs;
  }

  take(nowMs: number): TakeResult {
    const perSecond = this.capacity / this.windowSeconds;
    this.#tokens = Math.min(this.capacity, this.#tokens + ((nowMs - this.#at) / 1000) * perSecond);
    this.#at = nowMs;
    const allowed = this.#tokens >= 1;
    if (allowed) this.#tokens -= 1;
    return {
      allowed,
      remaining: Math.floor(this.#tokens),
      resetSeconds: Math.ceil((this.capacity - this.#tokens) / perSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - this.#tokens) / perSecond)),
    };
  }

  /** Full again: nothing to remember about this caller. */
  isFull(nowMs: number): boolean {
    return this.#tokens + ((nowMs - this.#at) / 1000) * (this.capacity / this.windowSeconds) >= this.capacity;
  }
}
