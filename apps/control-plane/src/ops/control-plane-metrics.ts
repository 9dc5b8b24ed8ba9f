import { collectProcessMetrics } from '@thoth/ops';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read at scrape time; each absent when that part is not running in this process. */
export interface ControlPlaneMetricSources {
  /** SnapshotCache: snapshots published here since start. */
  readonly snapshots?: { readonly published: number };
  /** ConfigStreamServer: open streams, and their tenants by what they hold against what is published. */
  readonly streams?: {
    stats(): { streams: number };
    configStates(): { current: number; behind: number; unpublished: number };
  };
  /** DecisionIngestion: what was ingested since start, and the lag of its Kafka consumer group. */
  readonly ingestion?: {
    totals(): {
      inserted: number;
      duplicates: number;
      poison: number;
      unknownTenant: number;
      unattributed: number;
      quarantined: Readonly<Partial<Record<string, number>>>;
    };
    lag(): Promise<ReadonlyArray<{ partition: number; messages: number }> | undefined>;
  };
  readonly ready: () => boolean;
  /** Called when measuring the lag failed (the gauge keeps no value for that scrape). */
  readonly onLagError?: (error: unknown) => void;
}

/** HTTP methods kept as label values; anything else is `other` (a bounded label). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The route label of a request no route matched (404s, probes): never the raw path. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The control plane's Prometheus metrics (docs/telemetry-metrics.md), on a registry of its own. No
 * label is a tenant, an enforcer id, an API key or a raw path: the operations listener is
 * unauthenticated, and every label takes a bounded set of values (route templates, status codes,
 * reasons, partitions). Per-tenant and per-enforcer detail is in the API, behind its authentication.
 */
export class ControlPlaneMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status_code'>;
  readonly #duration: Histogram<'method' | 'route'>;
  #sources: ControlPlaneMetricSources | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectProcessMetrics(this.registry);
    this.#requests = new Counter({
      name: 'thoth_control_plane_http_requests_total',
      help: `HTTP API requests answered, by method, route template (${UNMATCHED_ROUTE}: no route) and status code.`,
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'thoth_control_plane_http_request_duration_seconds',
      help: 'Time to answer an HTTP API request, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const sources = () => this.#sources;
    new Counter({
      name: 'thoth_control_plane_snapshots_published_total',
      help: 'Signed config snapshots published by this replica (a tenant whose enforcer-relevant state changed, and that compiled).',
      registers,
      collect() {
        this.reset();
        this.inc(sources()?.snapshots?.published ?? 0);
      },
    });
    new Gauge({
      name: 'thoth_control_plane_enforcer_streams',
      help: 'Config streams open to enforcers on this replica (enforcers connected).',
      registers,
      collect() {
        this.set(sources()?.streams?.stats().streams ?? 0);
      },
    });
    new Gauge({
      name: 'thoth_control_plane_enforcer_tenant_configs',
      help:
        "Tenants served on this replica's open config streams, by state: current (the enforcer activated the version published here), " +
        'behind (it holds an older one or none), unpublished (nothing published here for the tenant yet).',
      labelNames: ['state'],
      registers,
      collect() {
        const states = sources()?.streams?.configStates() ?? { current: 0, behind: 0, unpublished: 0 };
        for (const [state, n] of Object.entries(states)) this.set({ state }, n);
      },
    });
    new Counter({
      name: 'thoth_control_plane_decisions_ingested_total',
      help: 'Decision messages taken from the decision stream into the read model, by result: inserted, duplicate, poison, unknown_tenant, unattributed (quarantined ones are counted apart).',
      labelNames: ['result'],
      registers,
      collect() {
        const totals = sources()?.ingestion?.totals();
        this.reset();
        if (!totals) return;
        this.inc({ result: 'inserted' }, totals.inserted);
        this.inc({ result: 'duplicate' }, totals.duplicates);
        this.inc({ result: 'poison' }, totals.poison);
        this.inc({ result: 'unknown_tenant' }, totals.unknownTenant);
        this.inc({ result: 'unattributed' }, totals.unattributed);
      },
    });
    new Counter({
      name: 'thoth_control_plane_decisions_quarantined_total',
      help: "Decisions not believed (their receipt is not their tenant's enforcer's), kept in decision_quarantine, by reason code.",
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(sources()?.ingestion?.totals().quarantined ?? {})) this.inc({ reason }, n ?? 0);
      },
    });
    new Gauge({
      name: 'thoth_control_plane_decision_ingestion_lag_messages',
      help: "Decisions on the topic past the read model's consumer group committed offset, per partition (measured at scrape; absent without Kafka).",
      labelNames: ['partition'],
      registers,
      async collect() {
        this.reset();
        const source = sources();
        try {
          for (const { partition, messages } of (await source?.ingestion?.lag()) ?? []) this.set({ partition: String(partition) }, messages);
        } catch (error) {
          source?.onLagError?.(error);
        }
      },
    });
    new Gauge({
      name: 'thoth_control_plane_ready',
      help: '1 when this replica is ready (/readyz): its database answers.',
      registers,
      collect() {
        this.set(sources()?.ready() ? 1 : 0);
      },
    });
  }

  /** The parts read at scrape time, once they are built (after the app's modules are). */
  attach(sources: ControlPlaneMetricSources): void {
    this.#sources = sources;
  }

  /** One answered request; `route` is the template that matched (undefined: none did). */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    const labels = { method: METHODS.has(method) ? method : 'other', route: route ?? UNMATCHED_ROUTE };
    this.#requests.inc({ ...labels, status_code: String(statusCode) });
    this.#duration.observe(labels, seconds);
  }
}
