import { withTimeout, type HealthService, type NotReady } from '@thoth/ops';

export interface ControlPlaneStatus {
  readonly ready: boolean;
  /** What is not ready (null: ready). */
  readonly notReady: NotReady | null;
  readonly database: { readonly reachable: boolean; readonly kind: 'postgres' | 'pglite' };
}

const PROBE_TIMEOUT_MS = 2_000;
/** The gRPC health status follows readiness at this period (a probe of the database each time). */
const PROBE_INTERVAL_MS = 5_000;

/**
 * The control plane is ready when its database answers: every API call and the config stream need
 * it. /readyz probes it on each request; the gRPC health service (grpc.health.v1 on the config
 * stream's server) follows the last probe, taken every few seconds.
 */
export class ControlPlaneReadiness {
  #last = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: { readonly kind: 'postgres' | 'pglite'; readonly sql: { query(text: string): Promise<unknown> } },
    private readonly health: HealthService,
  ) {}

  /** The last probe's answer (the ready gauge). */
  get ready(): boolean {
    return this.#last;
  }

  async status(): Promise<ControlPlaneStatus> {
    let notReady: NotReady | null = null;
    try {
      await withTimeout(this.database.sql.query('SELECT 1'), PROBE_TIMEOUT_MS, 'the database');
    } catch (error) {
      notReady = { code: 'DATABASE_UNREACHABLE', reason: error instanceof Error ? error.message : String(error) };
    }
    this.#last = notReady === null;
    this.health.setReady(this.#last);
    return { ready: this.#last, notReady, database: { reachable: notReady === null, kind: this.database.kind } };
  }

  start(): void {
    const probe = (): void => {
      void this.status().finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(probe, PROBE_INTERVAL_MS).unref();
      });
    };
    this.#timer = setTimeout(probe, 0).unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.health.shutdown();
  }
}
