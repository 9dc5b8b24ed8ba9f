import type { WindowQuota, WindowStateStats } from '@thoth/policy';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DecisionLog } from '../emit/decision-log.js';
import type { ActiveSnapshots } from '../sync/active-snapshots.js';

export type OutcomeLabel = 'allow' | 'deny' | 'would_deny' | 'approval_required';
export type { WindowQuota };

/** Sources the gauges read at scrape time. */
export interface MetricSources {
  readonly store: ActiveSnapshots;
  readonly decisionLog: DecisionLog;
  /** Ms since the last message from the control plane; undefined when it never answered. */
  readonly sinceContactMs: () => number | undefined;
  readonly ready: () => boolean;
  /** The window state's counters (blast-radius keys). */
  readonly windowState?: () => WindowStateStats;
}

/**
 * The enforcer's Prometheus metrics, on a registry of its own (several enforcers may share a process
 * in tests). No series is labelled by tenant: whoever reaches /metrics would read the tenants served
 * (docs/security.md, "Refusals before authentication"); per-tenant versions are in the control
 * plane's GET /v1/enforcers, behind its authentication.
 */
export class EnforcerMetrics {
  readonly registry = new Registry();
  readonly decisions: Counter<'outcome' | 'error_code'>;
  readonly latency: Histogram<'method'>;
  readonly activations: Counter<'result'>;
  readonly idempotentReplays: Counter;
  readonly idempotencyEvictions: Counter<'reason'>;
  readonly windowUntracked: Counter<'quota'>;
  readonly configStaleDenials: Counter<'tier'>;
  readonly approvalsConsumed: Counter<'result'>;
  readonly malformedRequests: Counter<'field'>;
  readonly unauthenticatedRefusals: Counter<'reason'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    this.decisions = new Counter({
      name: 'thoth_enforcer_decisions_total',
      help: 'Decisions answered, by outcome; error_code is set for requests that could not be evaluated.',
      labelNames: ['outcome', 'error_code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'thoth_enforcer_decide_duration_seconds',
      help: 'Time from receiving a request to having its answer (evaluation, receipt, hand-off to the decision log).',
      labelNames: ['method'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers,
    });
    this.activations = new Counter({
      name: 'thoth_enforcer_snapshot_activations_total',
      help: 'Config snapshots received, by result: ACK or the NACK code.',
      labelNames: ['result'],
      registers,
    });
    this.idempotentReplays = new Counter({
      name: 'thoth_enforcer_idempotent_replays_total',
      help: 'Repeated requests (same tenant, agent and request_id, same content) answered with the decision already made, not decided again.',
      registers,
    });
    this.idempotencyEvictions = new Counter({
      name: 'thoth_enforcer_idempotency_evictions_total',
      help: 'Answers dropped from the idempotency cache, by reason: capacity (the cache was full; a retry of that request would be decided again) or expired (older than the TTL).',
      labelNames: ['reason'],
      registers,
    });
    this.windowUntracked = new Counter({
      name: 'thoth_enforcer_window_untracked_calls_total',
      help: "Calls with a new window counter that could not be kept, by the quota that was full (agent, tenant, enforcer); each was decided by its tenant's fail mode (error_code WINDOW_KEYS_EXHAUSTED).",
      labelNames: ['quota'],
      registers,
    });
    this.approvalsConsumed = new Counter({
      name: 'thoth_enforcer_approvals_consumed_total',
      help: 'Calls that presented an approval the policy asked for (ConsumeApproval), by result: used (let through), pending, rejected, expired, already_used, mismatch, not_found, unavailable (the control plane could not be asked: denied APPROVAL_UNAVAILABLE).',
      labelNames: ['result'],
      registers,
    });
    this.configStaleDenials = new Counter({
      name: 'thoth_enforcer_config_stale_denials_total',
      help: 'Calls denied CONFIG_STALE, by risk tier: the control plane had not confirmed the config for longer than the maximum staleness (THOTH_ENFORCER_MAX_STALENESS_SECONDS).',
      labelNames: ['tier'],
      registers,
    });
    const windowState = sources.windowState;
    if (windowState) {
      new Gauge({
        name: 'thoth_enforcer_window_keys',
        help: 'Live sliding-window keys (blast-radius, sequence and drift counters).',
        registers,
        collect() {
          this.set(windowState().liveKeys);
        },
      });
      new Gauge({
        name: 'thoth_enforcer_window_keys_capacity',
        help: 'Most sliding-window keys kept in all (THOTH_WINDOW_MAX_KEYS).',
        registers,
        collect() {
          this.set(windowState().maxKeys);
        },
      });
    }
    this.malformedRequests = new Counter({
      name: 'thoth_enforcer_malformed_requests_total',
      help: 'Requests refused MALFORMED_FIELD (not recorded, not published), by the first malformed field.',
      labelNames: ['field'],
      registers,
    });
    this.unauthenticatedRefusals = new Counter({
      name: 'thoth_enforcer_unauthenticated_refusals_total',
      help:
        'Requests refused before their agent was authenticated (not decisions: neither recorded nor published), by the code answered: ' +
        'not_ready, malformed_field, missing_field, missing_agent_token, unauthenticated (unknown tenant or agent, wrong or revoked token: ' +
        'one reason, as one answer, so that this series tells no more than the answer does), rate_limited.',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'thoth_enforcer_tenants',
      help: 'Tenants with an activated config snapshot.',
      registers,
      collect() {
        this.set(sources.store.size);
      },
    });
    new Gauge({
      name: 'thoth_enforcer_config_staleness_seconds',
      help: 'Seconds since the stalest tenant snapshot was last confirmed current: since the last message from the control plane, or since its activation if that is later (-1: no snapshot).',
      registers,
      collect() {
        const now = Date.now();
        const sinceContact = sources.sinceContactMs();
        let oldest: number | undefined;
        for (const t of sources.store.tenants()) oldest = Math.max(oldest ?? 0, now - t.activatedAt);
        this.set(oldest === undefined ? -1 : (sinceContact === undefined ? oldest : Math.min(sinceContact, oldest)) / 1000);
      },
    });
    new Gauge({
      name: 'thoth_enforcer_control_plane_last_contact_seconds',
      help: 'Seconds since the last message from the control plane (-1: never).',
      registers,
      collect() {
        const ms = sources.sinceContactMs();
        this.set(ms === undefined ? -1 : ms / 1000);
      },
    });
    new Gauge({
      name: 'thoth_enforcer_ready',
      help: '1 when the enforcer is ready (/readyz): it holds at least one activated snapshot, confirmed within its maximum staleness.',
      registers,
      collect() {
        this.set(sources.ready() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'thoth_enforcer_decision_log_buffer_depth',
      help: 'Decision events not yet delivered (buffered or in flight).',
      registers,
      collect() {
        this.set(sources.decisionLog.stats().buffered);
      },
    });
    new Gauge({
      name: 'thoth_enforcer_decision_log_buffer_capacity',
      help: 'Capacity of the decision event buffer.',
      registers,
      collect() {
        this.set(sources.decisionLog.stats().capacity);
      },
    });
    // Counters kept by the log itself, exposed as gauges of monotonically growing values.
    new Counter({
      name: 'thoth_enforcer_decision_log_dropped_total',
      help: 'Decision events dropped because the buffer was full.',
      registers,
      collect() {
        this.reset();
        this.inc(sources.decisionLog.stats().dropped);
      },
    });
    new Counter({
      name: 'thoth_enforcer_decision_log_delivered_total',
      help: 'Decision events acknowledged by the decision log (Kafka acks=all, or the in-process subscribers).',
      registers,
      collect() {
        this.reset();
        this.inc(sources.decisionLog.stats().delivered);
      },
    });
    new Counter({
      name: 'thoth_enforcer_decision_log_failed_attempts_total',
      help: 'Failed delivery attempts (each retried).',
      registers,
      collect() {
        this.reset();
        this.inc(sources.decisionLog.stats().failedAttempts);
      },
    });
  }
}
