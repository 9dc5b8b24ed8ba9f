import type { Tracer } from '@opentelemetry/api';
import { Enforcer as EnforcerService } from '@thoth/contracts';
import { Health } from '@thoth/contracts/health';
import { HealthService, startOpsServer, type OpsServer } from '@thoth/ops';
import { addService, GrpcServer, type Http2Limits } from '@thoth/grpc';
import { WindowState } from '@thoth/policy';
import { announceReceiptKey, type Keyring, type Signer } from '@thoth/snapshot';
import type { SecureServerOptions } from 'node:http2';
import { DecisionService } from './decide/decision-service.js';
import { enforcerHandlers } from './decide/enforcer-service.js';
import { EnforcerMetrics } from './decide/metrics.js';
import type { DecisionLog } from './emit/decision-log.js';
import { Approvals } from './approvals/approvals.js';
import { LEASE_CALL_DEADLINE_MS, LeasedBudgets } from './fleet/leases.js';
import { FLEET_OFF, FleetConsumer, type FleetOptions, type FleetStatus } from './fleet/fleet-consumer.js';
import { silentLogger, type Logger } from './logger.js';
import { activate } from './sync/activate.js';
import { ActiveSnapshots } from './sync/active-snapshots.js';
import { ConfigStaleness, DEFAULT_MAX_STALENESS_MS } from './sync/config-staleness.js';
import { ConfigStreamClient, type ConfigStreamClientOptions } from './sync/config-stream-client.js';
import { SnapshotDisk } from './sync/snapshot-disk.js';

export interface EnforcerOptions {
  readonly enforcerId: string;
  /** Where agents call Decide. Port 0 picks a free one. */
  readonly listen: { readonly host: string; readonly port: number; readonly tls?: SecureServerOptions };
  /** `/metrics`, `/healthz`, `/readyz`; omitted: no HTTP listener. */
  readonly http?: { readonly host: string; readonly port: number };
  /** The config stream; omitted: no control plane (decides on restored snapshots only). */
  readonly controlPlane?: Pick<ConfigStreamClientOptions, 'address' | 'token' | 'tenantIds' | 'heartbeatIntervalMs' | 'serverTimeoutMs' | 'backoff' | 'credentials'>;
  /** Control-plane keys snapshots must be signed with. */
  readonly trustedKeys: Keyring;
  /** The enforcer's own key, for receipts; announced on the config stream. */
  readonly signer: Signer;
  readonly decisionLog: DecisionLog;
  /** Persist last-good snapshots here and restore them (verified again) at start. */
  readonly snapshotDir?: string;
  /**
   * How long the enforcer trusts snapshots the control plane has not confirmed (no push, no
   * heartbeat) before it denies writes and destructive calls CONFIG_STALE and is not ready
   * (ConfigStaleness). Default 5 minutes; without `controlPlane` nothing goes stale.
   */
  readonly maxStalenessMs?: number;
  readonly maxArgumentsBytes?: number;
  /** How long a call waits for a strict limit's lease from the control plane (THOTH_LEASE_WAIT_MS, default 250). */
  readonly leaseWaitMs?: number;
  /**
   * How long a call presenting an approval waits for the control plane to use it
   * (THOTH_APPROVAL_TIMEOUT_MS, default 2,000) before it is denied APPROVAL_UNAVAILABLE. Without
   * `controlPlane` every approval is APPROVAL_UNAVAILABLE.
   */
  readonly approvalTimeoutMs?: number;
  /**
   * Receipts signed with one signature at most (receipt version 2: the receipts answered in
   * one turn of the event loop share a Merkle root signature). Default 256; 0 signs each
   * receipt alone (version 1).
   */
  readonly receiptBatchMax?: number;
  /**
   * Bounds on live sliding-window keys (blast-radius counters): in all, created by one
   * tenant's calls, by one agent's. Defaults 100,000, 25,000 and 5,000. A key with counts in
   * its window is never evicted; a call whose new key does not fit is decided by its tenant's
   * fail mode (WINDOW_KEYS_EXHAUSTED).
   */
  readonly windowMaxKeys?: number;
  readonly windowMaxKeysPerTenant?: number;
  readonly windowMaxKeysPerAgent?: number;
  /**
   * Answers kept so a retried request (same tenant, agent and request_id) gets the same
   * decision instead of being decided, counted and recorded again. Defaults: 10 minutes,
   * 100,000 answers (oldest evicted first).
   */
  readonly idempotency?: { readonly ttlMs?: number; readonly maxEntries?: number };
  /**
   * Refusals before authentication (docs/security.md, "Refusals before authentication") a peer
   * address (IPv6: its /64) may have a minute before it is answered RATE_LIMITED; an authenticated
   * agent is never limited by it. Default 600.
   */
  readonly refusalsPerPeerPerMinute?: number;
  /** Refusals before authentication logged a minute (with their peer); the rest are counted. Default 10. */
  readonly refusalLogLinesPerMinute?: number;
  /** What one HTTP/2 connection to the gRPC listener may hold: concurrent streams (256), memory (64 MB). */
  readonly http2?: Http2Limits;
  /**
   * Window counters shared with the other enforcers through the decisions topic
   * (docs/fleet-state.md); omitted: this process counts only its own calls (fleet state off).
   */
  readonly fleet?: FleetOptions;
  readonly logger?: Logger;
  /** Tracing on (docs/telemetry.md): Decide's spans; absent: no tracing work on the decision path. */
  readonly tracer?: Tracer;
  readonly clock?: () => number;
}

/** A running enforcer. */
export interface RunningEnforcer {
  readonly enforcerId: string;
  /** `host:port` of the gRPC listener. */
  readonly address: string;
  readonly httpUrl: string | undefined;
  readonly store: ActiveSnapshots;
  readonly sync: ConfigStreamClient | undefined;
  readonly metrics: EnforcerMetrics;
  readonly health: HealthService;
  readonly decisions: DecisionService;
  readonly state: WindowState;
  readonly leases: LeasedBudgets | undefined;
  readonly fleet: FleetConsumer | undefined;
  ready(): boolean;
  /** Status as /readyz reports it. */
  status(): EnforcerStatus;
  /** Stops taking calls, lets the config stream go, drains the decision log. */
  stop(options?: { drainTimeoutMs?: number }): Promise<void>;
}

export interface EnforcerStatus {
  readonly ready: boolean;
  /**
   * Why it is not ready: no snapshot yet (NOT_READY), the config is stale (CONFIG_STALE), the
   * fleet's windows are being rebuilt (FLEET_REBUILDING) or cannot be (FLEET_RETENTION_SHORT); null when ready.
   */
  readonly notReady: { readonly code: 'NOT_READY' | 'CONFIG_STALE' | 'FLEET_REBUILDING' | 'FLEET_RETENTION_SHORT'; readonly reason: string } | null;
  /** Past its maximum staleness: writes and destructive calls are denied CONFIG_STALE. */
  readonly stale: boolean;
  /** null: no config stream, nothing goes stale. */
  readonly maxStalenessMs: number | null;
  readonly enforcerId: string;
  readonly connected: boolean;
  /** Ms since the last message from the control plane (null: never). */
  readonly sinceContactMs: number | null;
  /** Ms since the last snapshot was activated (null: never). */
  readonly sinceActivationMs: number | null;
  /**
   * Tenants with an activated snapshot: how many, never which (whoever reaches /healthz would read
   * the tenants served). Their versions are in the control plane's GET /v1/enforcers.
   */
  readonly tenants: number;
  readonly decisionLog: ReturnType<DecisionLog['stats']>;
  /** Strict limits' leases held (null: no control plane, strict limits count as eventual ones). */
  readonly leases: ReturnType<LeasedBudgets['status']> | null;
  /** The fold of the other enforcers' window counters (state `off` without fleet state). */
  readonly fleet: FleetStatus;
}

export const DEFAULT_MAX_ARGUMENTS_BYTES = 256 * 1024;
/** Window keys (docs/security.md, "Window counters under a flood"): in all, per tenant, per agent. */
export const DEFAULT_WINDOW_MAX_KEYS = 100_000;
export const DEFAULT_WINDOW_MAX_KEYS_PER_TENANT = 25_000;
export const DEFAULT_WINDOW_MAX_KEYS_PER_AGENT = 5_000;

/** Starts the enforcer: restore last-good snapshots, open the config stream, serve Decide. */
export async function startEnforcer(options: EnforcerOptions): Promise<RunningEnforcer> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const store = new ActiveSnapshots();
  const health = new HealthService([EnforcerService.typeName]);
  let fleet: FleetConsumer | undefined;
  store.onActivated(() => health.setReady((fleet?.notReady() ?? null) === null));

  const disk = options.snapshotDir ? new SnapshotDisk(options.snapshotDir) : undefined;
  if (disk) {
    for (const { file, signed, error } of await disk.load()) {
      const result = signed ? activate(store, signed, options.trustedKeys, clock()) : { ok: false as const, code: 'MALFORMED_SNAPSHOT', message: error ?? '' };
      if (result.ok) logger.info({ file, tenantId: result.tenant.tenantId, version: String(result.tenant.version) }, 'restored snapshot from disk');
      else logger.warn({ file, code: result.code, reason: result.message }, 'ignored a stored snapshot');
    }
  }

  const state = new WindowState({
    maxKeys: options.windowMaxKeys ?? DEFAULT_WINDOW_MAX_KEYS,
    maxKeysPerTenant: options.windowMaxKeysPerTenant ?? DEFAULT_WINDOW_MAX_KEYS_PER_TENANT,
    maxKeysPerAgent: options.windowMaxKeysPerAgent ?? DEFAULT_WINDOW_MAX_KEYS_PER_AGENT,
  });
  let sync: ConfigStreamClient | undefined;
  let staleness: ConfigStaleness | undefined;
  const metrics: EnforcerMetrics = new EnforcerMetrics({
    store,
    windowState: () => state.stats(),
    decisionLog: options.decisionLog,
    sinceContactMs: () => sync?.staleness().sinceContactMs,
    ready: () => status().ready,
  });
  if (options.controlPlane) {
    sync = new ConfigStreamClient({
      ...options.controlPlane,
      enforcerId: options.enforcerId,
      trustedKeys: options.trustedKeys,
      receiptKey: announceReceiptKey(options.signer, options.controlPlane.token, options.enforcerId),
      store,
      ...(disk ? { disk } : {}),
      clock,
      logger,
      onActivation: (_, result) => metrics.activations.inc({ result: result.ok ? 'ACK' : result.code }),
    });
    staleness = new ConfigStaleness(options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS, sync);
  }
  const client = sync;
  const leases = client && new LeasedBudgets({ enforcerId: options.enforcerId, call: (r) => client.leaseBudget(r, LEASE_CALL_DEADLINE_MS), clock, logger, registry: metrics.registry });
  const approvals = new Approvals({
    enforcerId: options.enforcerId,
    calls: client && { consume: (r, deadlineMs) => client.consumeApproval(r, deadlineMs), status: (r, deadlineMs) => client.getApprovalStatus(r, deadlineMs) },
    ...(options.approvalTimeoutMs !== undefined ? { timeoutMs: options.approvalTimeoutMs } : {}),
    consumed: metrics.approvalsConsumed,
    logger,
  });

  if (options.fleet) {
    fleet = new FleetConsumer(options.fleet, {
      enforcerId: options.enforcerId,
      startedAt,
      store,
      state,
      trustedKeys: options.trustedKeys,
      registry: metrics.registry,
      clock,
      logger,
      onChange: () => health.setReady(store.size > 0 && (fleet?.notReady() ?? null) === null),
    });
  }

  const maxArgumentsBytes = options.maxArgumentsBytes ?? DEFAULT_MAX_ARGUMENTS_BYTES;
  const decisions = new DecisionService({
    enforcerId: options.enforcerId,
    store,
    state,
    signer: options.signer,
    decisionLog: options.decisionLog,
    metrics,
    maxArgumentsBytes,
    ...(staleness ? { staleness } : {}),
    ...(leases ? { leases: { budgets: leases, ...(options.leaseWaitMs !== undefined ? { waitMs: options.leaseWaitMs } : {}) } } : {}),
    approvals,
    ...(options.receiptBatchMax !== undefined ? { receiptBatchMax: options.receiptBatchMax } : {}),
    ...(options.idempotency ? { idempotency: options.idempotency } : {}),
    refusals: {
      ...(options.refusalsPerPeerPerMinute !== undefined ? { perPeerPerMinute: options.refusalsPerPeerPerMinute } : {}),
      ...(options.refusalLogLinesPerMinute !== undefined ? { logLinesPerMinute: options.refusalLogLinesPerMinute } : {}),
    },
    logger,
    clock,
  });

  // Messages a little larger than the arguments limit still reach the handler, so an
  // oversized call is answered ARGUMENTS_TOO_LARGE and recorded, not cut off by the transport.
  // GrpcServer (node:http2) rather than grpc-js's Server: same protocol, a fraction of the
  // CPU per message (libs/grpc http2-server.ts, docs/enforcer-performance.md).
  const server = new GrpcServer({
    maxReceiveMessageLength: maxArgumentsBytes + 64 * 1024,
    ...(options.listen.tls ? { tls: options.listen.tls } : {}),
    ...(options.http2 ? { limits: options.http2 } : {}),
  });
  const onUnexpectedError = (error: unknown) => logger.error({ err: error }, 'unexpected error in a gRPC handler');
  addService(server, EnforcerService, enforcerHandlers(decisions, metrics, options.tracer), { onUnexpectedError });
  addService(server, Health, health.handlers(), { onUnexpectedError });
  const port = await server.listen(options.listen.host, options.listen.port);
  const address = `${options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host}:${port}`;

  function status(): EnforcerStatus {
    const now = clock();
    const since = sync?.staleness(now);
    const stale = staleness?.stale(now);
    const notReady =
      store.size === 0
        ? ({ code: 'NOT_READY', reason: 'no config snapshot activated yet' } as const)
        : stale !== undefined
          ? ({ code: 'CONFIG_STALE', reason: `${stale}: writes and destructive calls are denied, reads follow each tenant's fail mode` } as const)
          : (fleet?.notReady() ?? null);
    return {
      ready: notReady === null,
      notReady,
      stale: stale !== undefined,
      maxStalenessMs: staleness?.maxMs ?? null,
      enforcerId: options.enforcerId,
      connected: sync?.status().connected ?? false,
      sinceContactMs: since?.sinceContactMs ?? null,
      sinceActivationMs: since?.sinceActivationMs ?? null,
      tenants: store.size,
      decisionLog: options.decisionLog.stats(),
      leases: leases?.status() ?? null,
      fleet: fleet?.status() ?? FLEET_OFF,
    };
  }

  let http: OpsServer | undefined;
  if (options.http) http = await startOpsServer({ host: options.http.host, port: options.http.port, registry: metrics.registry, status });
  sync?.start();
  fleet?.start();
  health.setReady(store.size > 0 && (fleet?.notReady() ?? null) === null);
  logger.info({ enforcerId: options.enforcerId, address, http: http?.url, restored: store.size }, 'enforcer started');

  return {
    enforcerId: options.enforcerId,
    address,
    httpUrl: http?.url,
    store,
    sync,
    metrics,
    health,
    decisions,
    state,
    leases,
    fleet,
    ready: () => status().ready,
    status,
    async stop({ drainTimeoutMs = 10_000 } = {}) {
      health.shutdown();
      const force = setTimeout(() => server.forceShutdown(), 5_000);
      await server.tryShutdown();
      clearTimeout(force);
      // Unused units return to the fleet now, not when their leases expire (needs the channel).
      await leases?.stop();
      await sync?.stop();
      await fleet?.stop();
      decisions.close();
      const drained = await options.decisionLog.close({ timeoutMs: drainTimeoutMs });
      await http?.close();
      logger.info({ ...drained }, 'enforcer stopped');
    },
  };
}
