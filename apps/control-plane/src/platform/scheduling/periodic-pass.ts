import type { Logger } from 'pino';

/**
 * A pass that runs on a timer and on demand, never twice at once: a call while a pass runs
 * joins it. The schedulers (trial end, baseline learning) own what a pass does; this owns the
 * timer, the joining, and waiting for the pass in flight at shutdown. A failed timed pass is
 * logged and the next tick tries again; a failed `run()` rejects to its caller.
 */
export class PeriodicPass<Result> {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<Result> | undefined;

  constructor(
    private readonly pass: () => Promise<Result>,
    private readonly log: Logger,
    private readonly failure: string,
  ) {}

  /** Runs a pass every `intervalMs` until `stop()`; the timer does not keep the process alive. */
  start(intervalMs: number): void {
    this.#timer ??= setInterval(() => {
      void this.run().catch((error: unknown) => this.log.error({ err: error }, this.failure));
    }, intervalMs);
    this.#timer.unref();
  }

  /** One pass now, or the one already running. */
  run(): Promise<Result> {
    this.#running ??= this.pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the timer and waits for the pass in flight, whatever its outcome. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }
}
